import { describe, expect, it } from 'vitest'
import { chartFileStem, dataUrlToBlob, downloadLabel, svgBlob } from './chartExport.ts'

describe('chart export helpers', () => {
  it('file stems are ASCII slugs of the title', () => {
    expect(chartFileStem('ROC curves (one-vs-rest)')).toBe('roc-curves-one-vs-rest')
    expect(chartFileStem('Précision–rappel')).toBe('precision-rappel')
    expect(chartFileStem('——')).toBe('chart')
  })

  it('download buttons are named after the chart and the format', () => {
    expect(downloadLabel('ROC curve', 'svg')).toBe('Download ROC curve as SVG')
    expect(downloadLabel('', 'png')).toBe('Download chart as PNG')
  })

  it('decodes base64 and percent-encoded data URLs', async () => {
    const png = dataUrlToBlob('data:image/png;base64,iVBORw0KGgo=')
    expect(png.type).toBe('image/png')
    expect([...new Uint8Array(await png.arrayBuffer())]).toEqual([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ])
    const svg = dataUrlToBlob('data:image/svg+xml;charset=UTF-8,%3Csvg%3E%3C%2Fsvg%3E')
    expect(svg.type).toBe('image/svg+xml')
    expect(await svg.text()).toBe('<svg></svg>')
    expect(() => dataUrlToBlob('https://example.org/x.png')).toThrow('Not a data URL')
  })

  it('SVG files get an XML declaration once', async () => {
    expect(await svgBlob('<svg/>').text()).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<svg/>')
    expect(await svgBlob('<?xml version="1.0"?><svg/>').text()).toBe('<?xml version="1.0"?><svg/>')
  })
})
