// Process I/O for commands, injectable so tests can run commands in-process, plus the CLI's
// exit-code mapping for errors.
import { once } from 'node:events';
import { WflgError, isWflgError } from '../lib/errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Writes bytes to stdout honouring backpressure. */
  write(bytes: Uint8Array): Promise<void>;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  write: async (b) => {
    if (!process.stdout.write(b)) await once(process.stdout, 'drain');
  },
};

export function usageError(problems: string[]): WflgError {
  return new WflgError('WFLG_E_USAGE', problems.join('; '), { problems });
}

/** Documented exit codes: 2 usage/config, 3 input unreadable, 70 internal (sysexits EX_SOFTWARE). */
export function exitCodeOf(err: unknown): number {
  if (isWflgError(err)) {
    switch (err.code) {
      case 'WFLG_E_USAGE':
      case 'WFLG_E_CONFIG_INVALID':
        return 2;
      case 'WFLG_E_INPUT_READ':
      case 'WFLG_E_FRAME_CORRUPT':
      case 'WFLG_E_FRAME_TRUNCATED':
      case 'WFLG_E_CAPTURE_RECORD':
        return 3;
      default:
        return 70;
    }
  }
  // node:util parseArgs reports unknown or malformed options with these codes.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return 2;
  return 70;
}

/**
 * Calls `handler` on the first SIGINT or SIGTERM, then stops listening for both (a second signal
 * gets Node's default: exit). Returns the function that stops listening without firing.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  const release = (): void => {
    process.off('SIGINT', fire);
    process.off('SIGTERM', fire);
  };
  const fire = (signal: NodeJS.Signals): void => {
    release();
    handler(signal);
  };
  process.on('SIGINT', fire);
  process.on('SIGTERM', fire);
  return release;
}

/** Resolves with the first SIGINT or SIGTERM. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => onStopSignal(resolve));
}
