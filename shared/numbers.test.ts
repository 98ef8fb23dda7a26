import { describe, expect, it } from 'vitest'
import { clamp, medianOfSorted, quantileOfSorted, quantiles, rankOffset, round } from './numbers'

describe('round', () => {
  it('rounds to the given decimals, halves up', () => {
    expect(round(1.23456, 3)).toBe(1.235)
    expect(round(2.5, 0)).toBe(3)
    expect(round(-2.5, 0)).toBe(-2)
    expect(round(1234.5678, 1)).toBe(1234.6)
  })
})

describe('clamp', () => {
  it('keeps a value within the bounds', () => {
    expect(clamp(-1, 0, 10)).toBe(0)
    expect(clamp(11, 0, 10)).toBe(10)
    expect(clamp(3, 0, 10)).toBe(3)
  })
})

describe('nearest-rank quantiles', () => {
  it('takes rank ⌈q·n⌉, kept within the sample', () => {
    expect(rankOffset(100, 0.5)).toBe(49)
    expect(rankOffset(100, 0.95)).toBe(94)
    expect(rankOffset(3, 0)).toBe(0)
    expect(rankOffset(3, 1)).toBe(2)
    expect(rankOffset(1, 0.99)).toBe(0)
  })

  it('reads a sorted sample at that rank, and nothing from an empty one', () => {
    expect(quantileOfSorted([10, 20, 30, 40], 0.5)).toBe(20)
    expect(quantileOfSorted([10, 20, 30, 40], 0.95)).toBe(40)
    expect(quantileOfSorted([], 0.5)).toBeUndefined()
  })

  it('sorts a copy of the sample (numerically) and names the figures as asked', () => {
    const sample = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(quantiles(sample, { p50: 0.5, p95: 0.95, p99: 0.99 })).toEqual({ p50: 50, p95: 95, p99: 99 })
    expect(sample[0]).toBe(100)
    expect(quantiles([9, 10, 100], { median: 0.5 })).toEqual({ median: 10 })
    expect(quantiles([], { p50: 0.5 })).toBeNull()
  })
})

describe('medianOfSorted', () => {
  it('is the middle value of an odd count and the mean of the two middle values of an even one', () => {
    expect(medianOfSorted([1, 5, 9])).toBe(5)
    expect(medianOfSorted([100, 200, 900, 1000])).toBe(550)
    expect(medianOfSorted(Float64Array.from([7]))).toBe(7)
    expect(medianOfSorted([])).toBeUndefined()
  })
})
