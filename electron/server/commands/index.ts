import { calibrateCommand } from './calibrate'
import type { CliCommand } from './command'
import { evalCommand } from './eval'
import { routeCommand } from './route'
import { simulateCommand } from './simulate'

/** The routing engine's commands, mounted by the CLI dispatcher (cli.ts). */
export const engineCommands: CliCommand[] = [routeCommand, simulateCommand, evalCommand, calibrateCommand]
