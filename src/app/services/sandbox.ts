/** One hook sandbox worker for the editor's syntax checks (runs use their own, inside the run worker). */
import { SandboxClient } from '../../workers/sandboxClient.ts'

let client: SandboxClient | undefined

export function editorSandbox(): SandboxClient {
  client ??= new SandboxClient()
  return client
}
