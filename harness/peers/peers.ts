/**
 * The reference peers' commands, in one place (read from `peers.json` beside this file).
 *
 * Build them first with `node harness/peers/setup.mjs` (the first stage of `npm test`). Every path
 * returned here is absolute, so a caller may spawn from any working directory.
 * @see docs/peers.md
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PeerLanguage = 'python' | 'go' | 'rust';

export const PEER_LANGUAGES: readonly PeerLanguage[] = ['python', 'go', 'rust'];

/** How to run one peer. Argv arrays are spawned without a shell. */
export interface PeerCommands {
  readonly language: PeerLanguage;
  /** The conformance child (spec section 13) in spawn mode: needs `COMLINK_ZMQ_PORT`. */
  readonly child: readonly string[];
  /** The parent driver (spec section 14): needs `MULTIFROST_CHILD_COMMAND` (JSON argv). */
  readonly parentDriver: readonly string[];
  /** The peer's own golden vector test; exits 0 when every vector passes. */
  readonly vectorTest: TestCommand;
  /** The peer's whole own suite (golden vectors and unit tests); exits 0 when it passes. */
  readonly selfTest: TestCommand;
}

/** A test command, run in `cwd` (absolute) without a shell; `argv` paths are relative to `cwd`. */
export interface TestCommand {
  readonly cwd: string;
  readonly argv: readonly string[];
}

interface PeersFile {
  peers: Record<
    PeerLanguage,
    { child: string[]; parentDriver: string[]; vectorTest: TestCommand; selfTest: TestCommand }
  >;
}

/** The repository root (two levels above this file). */
export const REPO_ROOT: string = fileURLToPath(new URL('../..', import.meta.url));

const file = JSON.parse(readFileSync(new URL('./peers.json', import.meta.url), 'utf8')) as PeersFile;

/** Resolves a repo-relative path; bare command names (`go`, `cargo`) are left for PATH lookup. */
function resolvePath(path: string): string {
  return isAbsolute(path) || !path.includes('/') ? path : join(REPO_ROOT, path);
}

/** Every peer's commands, with absolute paths. */
export const PEERS: Readonly<Record<PeerLanguage, PeerCommands>> = Object.fromEntries(
  PEER_LANGUAGES.map((language) => {
    const entry = file.peers[language];
    // Test commands run in their own directory, so their relative paths stay as written.
    const inRepo = (command: TestCommand): TestCommand => ({ cwd: join(REPO_ROOT, command.cwd), argv: command.argv });
    const commands: PeerCommands = {
      language,
      child: entry.child.map(resolvePath),
      parentDriver: entry.parentDriver.map(resolvePath),
      vectorTest: inRepo(entry.vectorTest),
      selfTest: inRepo(entry.selfTest),
    };
    return [language, commands];
  }),
) as Record<PeerLanguage, PeerCommands>;
