import { ContractError } from '../../../shared/client'

/** The keychain service every RouteLLM key is filed under; the account is the endpoint id. */
export const KEYCHAIN_SERVICE = 'RouteLLM'

/**
 * Where API keys are kept: the OS keychain (keytar) in the product, an in-memory map in
 * tests. One entry per endpoint id. `get` is for core only — it builds a client with the
 * key and nothing else; no contract output, event, log line or error carries a key.
 */
export interface KeyStore {
  /** For messages: "the OS keychain". */
  readonly label: string
  set(endpointId: string, key: string): Promise<void>
  /** Whether a key is stored (the answer the dashboard sees: "set" / "not set"). */
  has(endpointId: string): Promise<boolean>
  /** Remove the key; false when there was none. */
  delete(endpointId: string): Promise<boolean>
  /** Endpoint ids that have a key stored, sorted. */
  list(): Promise<string[]>
  /** The key itself, or null. Core only. */
  get(endpointId: string): Promise<string | null>
}

/** How to get a Secret Service / keychain going, per platform. */
export function keychainFixHint(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return 'Unlock the login keychain (Keychain Access) and allow RouteLLM when macOS asks.'
    case 'win32':
      return 'Windows Credential Manager must be available to your user account (it is on a normal desktop session).'
    default:
      return (
        'On Linux, run a Secret Service keyring (gnome-keyring or KWallet) in your D-Bus session and unlock it. ' +
        'On a server: apt-get install gnome-keyring dbus-x11, then start RouteLLM with ' +
        "dbus-run-session -- sh -c 'echo <password> | gnome-keyring-daemon --unlock --components=secrets; routellm serve'."
      )
  }
}

/**
 * The OS keychain cannot be used. RouteLLM never falls back to a plain-text file: it says
 * so, and how to fix it. It travels the contract as code "unavailable" with this message.
 */
export class KeychainUnavailableError extends ContractError {
  constructor(
    readonly reason: string,
    platform: NodeJS.Platform = process.platform,
  ) {
    super(
      `The OS keychain is not available (${reason}). RouteLLM keeps API keys only in the keychain and never in a ` +
        `plain-text file. ${keychainFixHint(platform)} On a headless host you can instead pass a key in an ` +
        'environment variable ROUTELLM_KEY_<ENDPOINT_ID> (e.g. ROUTELLM_KEY_OPENAI), held in memory only.',
      'unavailable',
    )
    this.name = 'KeychainUnavailableError'
  }
}

export function isKeychainUnavailable(error: unknown): error is KeychainUnavailableError {
  return error instanceof KeychainUnavailableError
}
