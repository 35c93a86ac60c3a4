// `wflg`: one CLI for every role. Each command lives in its own module and returns its exit code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWflgError } from '../lib/errors.js';
import { packageRoot } from '../lib/native-loader.js';
import { exitCodeOf, processIo, type Io } from './io.js';
import { lint } from './lint.js';
import { compareCommand } from './compare.js';
import { demo } from './demo.js';
import { profileCommand } from './profile.js';
import { replayCommand } from './replay.js';
import { xdsCommand } from '../xds/service.js';
import { capture } from '../capture/command.js';
import { sink } from '../sink/cli.js';
import { generate } from '../generator/cli.js';
import type { Env } from '../lib/config.js';

// The environment is read here, once, and handed to each command's config loader.
type Command = (argv: string[], io: Io, env: Env) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  lint: { run: lint, summary: 'check Wavefront lines as the proxy parses them' },
  replay: { run: replayCommand, summary: 'send captured requests to a target as they arrived' },
  demo: { run: demo, summary: 'run the end-to-end demonstration on the bundled sample' },
  profile: {
    run: (argv, io, env) => profileCommand(argv, io, env, version(), process.stderr.isTTY),
    summary: 'learn recipes from capture parts or Wavefront files',
  },
  xds: {
    run: xdsCommand,
    summary: "serve Envoy's collector/capture endpoints and capture.enabled over xDS",
  },
  compare: {
    run: (argv, io, env) => compareCommand(argv, io, env, version(), process.stdout.isTTY),
    summary: 'measure how closely B’s traffic reproduces A’s (recipes or captures)',
  },
  capture: {
    run: capture,
    summary: 'receive mirrored traffic, write it durably, upload parts to the object store',
  },
  generate: {
    run: generate,
    summary: 'generate look-alike traffic from recipes at N×, with a live admin API',
  },
  sink: {
    run: sink,
    summary: 'a counting collector (TCP plaintext + HTTP /report) for tests and dry runs',
  },
};

function help(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `wflg ${version()} — Wavefront load generator

Usage: wflg <command> [options]   (wflg <command> --help for a command's options)

Commands:
${rows.join('\n')}

Options:
  -h, --help     this help
  -V, --version  print the version
`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      io.out(help());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '-V' || cmd === '--version') {
      io.out(`${version()}\n`);
      return 0;
    }
    const c = COMMANDS[cmd];
    if (!c) {
      io.err(`wflg: unknown command '${cmd}'\n\n${help()}`);
      return 2;
    }
    return await c.run(rest, io, process.env);
  } catch (err) {
    const code = isWflgError(err)
      ? err.code
      : ((err as { code?: string }).code ?? 'WFLG_E_INTERNAL');
    const message = err instanceof Error ? err.message : String(err);
    io.err(`wflg ${cmd}: ${code}: ${message}\n`);
    return exitCodeOf(err);
  }
}
