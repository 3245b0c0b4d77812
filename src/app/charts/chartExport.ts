/**
 * What the chart download buttons need besides the chart itself: file names, accessible names,
 * data-URL decoding and the Blob-URL download. Kept apart from `Chart.tsx` so the pure parts are tested
 * in Node. Decoding data URLs by hand (not `fetch(dataUrl)`) keeps downloads working under a CSP whose
 * `connect-src` does not list `data:`.
 */

/** Image formats a chart can be downloaded as. */
export type ChartImageFormat = 'svg' | 'png'

/** A file-name stem from a chart title: lower case, ASCII letters/digits and dashes, never empty. */
export function chartFileStem(title: string): string {
  const stem = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
  return stem || 'chart'
}

/** Accessible name of a download button, e.g. "Download ROC curve as SVG". */
export function downloadLabel(title: string, format: ChartImageFormat): string {
  return `Download ${title || 'chart'} as ${format.toUpperCase()}`
}

/**
 * The bytes of a `data:` URL as a Blob (base64 or percent-encoded payloads).
 * @throws Error when `url` is not a data URL
 */
export function dataUrlToBlob(url: string): Blob {
  const match = /^data:([^,;]*)((?:;[^,;]*)*),(.*)$/s.exec(url)
  if (!match) throw new Error(`Not a data URL: ${url.slice(0, 40)}`)
  const [, mediaType, parameters, payload] = match
  const type = mediaType || 'text/plain'
  if (parameters.split(';').includes('base64')) {
    const binary = atob(payload)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return new Blob([bytes], { type })
  }
  return new Blob([decodeURIComponent(payload)], { type })
}

/** An SVG document string as a Blob with an XML declaration, ready to save as a standalone file. */
export function svgBlob(svg: string): Blob {
  const document = svg.startsWith('<?xml') ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}`
  return new Blob([document], { type: 'image/svg+xml' })
}

/**
 * Saves `blob` as `fileName` through a temporary Blob URL and `<a download>`. The URL is revoked on the
 * next task: revoking at once can cancel the download in some browsers.
 */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
