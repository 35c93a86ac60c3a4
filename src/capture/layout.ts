// The data directory (write-ahead parts) and the object names derived from it:
//   <dataDir>/writer.json   durable writer id (incarnation), client salt, next part and request seq
//   <dataDir>/LOCK          pid of the agent that owns the directory
//   <dataDir>/open/part-<writer>-<seq>.wf.zst.open   the one part being appended to
//   <dataDir>/sealed/part-<writer>-<seq>.wf.zst      immutable, waiting for upload (+ .session)
//   <dataDir>/quarantine/                            damaged bytes kept for inspection
// Object names come from the writer id and the part seq only (never a clock or a random id alone),
// so an upload retried after a crash writes the same object.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WflgError } from '../lib/errors.js';
import { fsyncDir, pidAlive, writeFileAtomic } from '../lib/store/durable.js';

export interface Dirs {
  readonly root: string;
  readonly open: string;
  readonly sealed: string;
  readonly quarantine: string;
}

export function dirsOf(root: string): Dirs {
  return {
    root,
    open: join(root, 'open'),
    sealed: join(root, 'sealed'),
    quarantine: join(root, 'quarantine'),
  };
}

export async function makeDirs(d: Dirs): Promise<void> {
  for (const dir of [d.root, d.open, d.sealed, d.quarantine]) await mkdir(dir, { recursive: true });
  for (const dir of [d.open, d.sealed, d.quarantine]) await fsyncDir(dir);
  await fsyncDir(d.root);
}

const PART = /^part-([0-9a-f]{12})-(\d{8})\.wf\.zst(\.open)?$/;

export function partFile(writer: string, seq: number): string {
  return `part-${writer}-${String(seq).padStart(8, '0')}.wf.zst`;
}

export function parsePartFile(name: string): { writer: string; seq: number; open: boolean } | null {
  const m = PART.exec(name);
  return m ? { writer: m[1]!, seq: Number(m[2]), open: m[3] !== undefined } : null;
}

export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** DESIGN §2.3: the part's date is the UTC day of its first request, so a retry names it alike. */
export function objectName(
  mig: string,
  instance: string,
  firstArrivalMs: number,
  file: string,
): string {
  return `capture/dt=${utcDate(firstArrivalMs)}/mig=${mig}/${instance}/${file}`;
}

export function manifestName(instance: string, firstArrivalMs: number): string {
  return `capture/dt=${utcDate(firstArrivalMs)}/manifests/${instance}-manifest.jsonl`;
}

export interface WriterState {
  /** 12 hex digits created once per data directory: a wiped disk gets a new one (no name reuse). */
  readonly writer: string;
  readonly salt: string;
  nextPartSeq: number;
  nextRequestSeq: number;
}

export async function loadWriterState(root: string): Promise<WriterState> {
  let text: string | undefined;
  try {
    text = await readFile(join(root, 'writer.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    const s: WriterState = {
      writer: randomBytes(6).toString('hex'),
      salt: randomBytes(16).toString('hex'),
      nextPartSeq: 0,
      nextRequestSeq: 0,
    };
    await saveWriterState(root, s);
    return s;
  }
  const v = JSON.parse(text) as Partial<WriterState>;
  if (
    typeof v.writer !== 'string' ||
    !/^[0-9a-f]{12}$/.test(v.writer) ||
    typeof v.salt !== 'string' ||
    !Number.isSafeInteger(v.nextPartSeq) ||
    !Number.isSafeInteger(v.nextRequestSeq)
  )
    throw new WflgError('WFLG_E_CONFIG_INVALID', `${root}/writer.json is damaged`, { root });
  return v as WriterState;
}

export function saveWriterState(root: string, s: WriterState): Promise<void> {
  return writeFileAtomic(join(root, 'writer.json'), JSON.stringify(s) + '\n');
}

/** One agent per data directory: two writers on one WAL would interleave parts. */
export async function lockDir(root: string): Promise<void> {
  const path = join(root, 'LOCK');
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid))
      throw new WflgError('WFLG_E_CAPTURE_LOCKED', `${root} is in use by pid ${pid}`, { pid });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await writeFile(path, `${process.pid}\n`);
}

/** Fault tests: `label:n` kills the process at the n-th time `label` is reached. */
export class CrashPoints {
  private readonly label: string | undefined;
  private remaining: number;

  constructor(spec: string | undefined) {
    const [label, n] = spec?.split(':') ?? [];
    this.label = label;
    this.remaining = Number(n ?? 0);
  }

  hit(label: string): void {
    if (this.due(label)) this.die();
  }

  /** Counts a hit of `label` like hit(), but returns true instead of killing, so the caller can
   * leave damage behind first (a torn write) and then call die(). */
  due(label: string): boolean {
    return label === this.label && --this.remaining <= 0;
  }

  die(): never {
    // The fault test must tell a life ended by its crash point from one that died of something
    // else; stderr on a pipe or file is written synchronously, so the line is out before the kill.
    process.stderr.write(JSON.stringify({ event: 'crash_point', label: this.label }) + '\n');
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  }
}
