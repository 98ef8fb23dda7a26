import { describe, expect, it } from 'vitest'
import { clampPercent, formatBytes, formatMs, formatScore } from './format'

describe('format', () => {
  it('formats milliseconds', () => {
    expect([0.123, 4.56, 42.4, 1234, 12_345, null].map(formatMs)).toEqual(['0.12 ms', '4.6 ms', '42 ms', '1.23 s', '12.3 s', '—'])
  })
  it('formats bytes', () => {
    expect([512, 1_500, 2_019_393_189, -1].map(formatBytes)).toEqual(['512 B', '1.5 KB', '2.0 GB', '—'])
  })
  it('formats scores and clamps percentages', () => {
    expect([42, 42.25, null].map(formatScore)).toEqual(['42', '42.3', '—'])
    expect([-5, 50, 140, Number.NaN].map(clampPercent)).toEqual([0, 50, 100, 0])
  })
})
