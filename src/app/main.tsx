/* @refresh reload */

import { registerSW } from 'virtual:pwa-register'
import { render } from 'solid-js/web'
import { App } from './App.tsx'
import './styles.css'

render(() => <App />, document.getElementById('root') as HTMLElement)

// Precache the shell and every wasm/worker asset so the app opens and imports offline.
if ('serviceWorker' in navigator) registerSW({ immediate: true })
