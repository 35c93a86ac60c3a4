// The one catalogue of error codes. Codes are a public contract (tests, logs, alerts and exit-code
// mapping match on them), so a code is never renamed or reused; retire it and add a new one.
export const ErrorCode = {
  WFLG_E_NATIVE_MISSING: 'The wflg native addon is not built for this platform',
  WFLG_E_NATIVE_FALLBACK: 'uWebSockets.js loaded its slow JS shim instead of the native build',
  WFLG_E_USAGE: 'Bad command-line usage',
  WFLG_E_CONFIG_INVALID: 'Configuration failed validation',
  WFLG_E_INPUT_READ: 'An input file or stream could not be read',
  WFLG_E_FRAME_CORRUPT: 'A capture-part frame failed its checksum or could not be decoded',
  WFLG_E_FRAME_TRUNCATED: 'A capture part ends inside a frame',
  WFLG_E_INTERNAL: 'A bug in wflg: an invariant did not hold',
  WFLG_E_CAPTURE_RECORD: 'A request record inside a capture frame is malformed',
  WFLG_E_RECIPE_INVALID: 'A recipe failed schema or consistency validation',
  // Object stores (src/lib/store)
  WFLG_E_STORE_CONFLICT: 'An object already exists with different content',
  WFLG_E_STORE_PRECONDITION: 'An object changed under a generation precondition',
  WFLG_E_STORE_UNAVAILABLE: 'The object store could not be reached or refused the request',
  WFLG_E_STORE_VERIFY: 'A stored object does not match the size or checksum of its source',
  WFLG_E_STORE_NOT_FOUND: 'The named object does not exist in the store',
  WFLG_E_STORE_NAME_INVALID:
    'An object name or prefix is empty, absolute, escapes the root or is reserved',
  // xDS controller (src/xds)
  WFLG_E_XDS_INVALID: 'An xDS resource failed validation; the snapshot was not published',
  WFLG_E_XDS_INVENTORY: 'The inventory source failed or returned an incomplete listing',
  WFLG_E_XDS_CAPTURE_VALUE: 'capture.enabled must be a number from 0 to 100',
  // Fidelity comparison (src/compare)
  WFLG_E_COMPARE_INPUT:
    'A compare input is neither a recipes root nor capture parts or Wavefront files it can profile',
  // Capture agent (src/capture)
  WFLG_E_CAPTURE_LOCKED: 'Another live capture agent holds the data directory',
  WFLG_E_CAPTURE_IO: 'A write or fsync of the capture write-ahead log failed',
  WFLG_E_CAPTURE_DRAIN: 'Shutdown drain ended with parts still not uploaded',
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

export class WflgError extends Error {
  override name = 'WflgError';
  readonly code: ErrorCodeName;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCodeName,
    message: string,
    details?: Readonly<Record<string, unknown>>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

// Generic so that a false result for one code does not narrow the value to "not a WflgError".
export function isWflgError<C extends ErrorCodeName = ErrorCodeName>(
  err: unknown,
  code?: C,
): err is WflgError & { readonly code: C } {
  return err instanceof WflgError && (code === undefined || err.code === code);
}
