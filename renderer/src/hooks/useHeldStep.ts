import { useEffect, useRef, useState } from 'react'

/**
 * Walk a displayed step index up to `target` one step at a time, each shown for at least
 * `holdMs`, so a phase the engine finishes in a millisecond is still seen. Going back (a new
 * run) is immediate.
 */
export function useHeldStep(target: number, holdMs: number): number {
  const [shown, setShown] = useState(target)
  const shownSince = useRef(0)
  // A new run starts below what is on screen: follow it at once, during render.
  if (shown > target) setShown(target)
  useEffect(() => {
    if (shown >= target) return
    // The first step appears at once; later ones wait out the hold of the one before.
    const wait = shown < 0 ? 0 : Math.max(0, shownSince.current + holdMs - Date.now())
    const timer = setTimeout(() => {
      shownSince.current = Date.now()
      setShown((s) => s + 1)
    }, wait)
    return () => clearTimeout(timer)
  }, [shown, target, holdMs])
  return Math.min(shown, target)
}
