/** The routing engine's public surface, for the hosts and the CLI. */
export { createEngine, type Engine, type EngineDeps } from './engine'
export {
  createRouter,
  PromptError,
  type DecideOptions,
  type PolicySource,
  type Router,
  type RouterDeps,
  type TierOverride,
  type TierOverrideContext,
  type TierOverrideResult,
} from './router'
export { createStandardPillars, judgeChatViaBridge, type StandardPillars, type StandardPillarsOptions } from './standard-pillars'
export { createBandit, seededRandom, type Arm, type ArmStats, type Bandit, type Outcome } from '../pillars/bandit'
export { createJudgePillar, type JudgeChat, type JudgeChatRequest, type JudgePillarOptions } from '../pillars/judge'
export { createRulesPillar } from '../pillars/rules'
export { countTokens } from './tokens'
export { readDataset, parseDataset, type DatasetItem } from './dataset'
export { simulate, type SimulationReport } from './simulate'
export { evaluateRouter, type EvalReport } from './evaluate'
export { calibrateThreshold, type CalibrationResult } from './calibrate'
