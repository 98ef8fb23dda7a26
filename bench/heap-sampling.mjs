// Loaded into `routellm serve` by bench/serve-profile.ts (node --import): V8's sampling heap
// profiler over every allocation, those later collected included (node's own --heap-prof keeps
// only what is still alive at exit, which hides the garbage a request leaves). Sampling starts
// on SIGUSR2 (after the warm-up) and the profile is written to $ROUTELLM_HEAP_SAMPLE on SIGTERM.
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

const file = process.env.ROUTELLM_HEAP_SAMPLE
if (file) {
  const session = new Session()
  session.connect()
  process.on('SIGUSR2', () => {
    session.post('HeapProfiler.enable', () =>
      session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
    )
  })
  // Runs before serve's own SIGTERM handler, which exits once its stores are closed.
  process.prependListener('SIGTERM', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(file, JSON.stringify(result.profile))
    })
  })
}
