import { A } from '@solidjs/router'

export function NotFoundPage() {
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <A href="/">Go to your workspace</A>.
      </p>
    </div>
  )
}
