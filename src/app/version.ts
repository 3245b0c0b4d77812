/** The app's version, recorded in run bundles. */
import packageJson from '../../package.json'

export const appVersion: string = packageJson.version
