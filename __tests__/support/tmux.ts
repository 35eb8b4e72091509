/**
 * A real terminal for the CLI's status line and progress bar: a private tmux
 * server (its own socket), one pane of fixed size; keys are sent with
 * send-keys and the screen read with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { sleep } from './traffic';

export class Terminal {
  private readonly socket = `ewpcap-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  /** Runs `command` (a shell command line) in a new 150x20 pane; the pane stays after it ends. */
  constructor(command: string, cwd: string) {
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      't',
      '-x',
      '150',
      '-y',
      '20',
      '-c',
      cwd,
      `${command}; echo "EXIT=$?"; sleep 600`,
    );
  }

  private tmux(...args: string[]): string {
    // The pane runs the command with bash whatever the user's login shell:
    // Ctrl-C reaches the shell too, and dash (Debian's /bin/sh) dies of it at
    // once, closing the pane and with it the server before the command has
    // printed its last lines; bash waits for the command and goes on.
    return execFileSync('tmux', ['-L', this.socket, ...args], {
      encoding: 'utf8',
      env: { ...process.env, SHELL: '/bin/bash' },
    });
  }

  /** The visible screen, one string per row, trailing blank rows dropped. */
  screen(): string[] {
    const rows = this.tmux('capture-pane', '-p', '-t', 't').split('\n');
    while (rows.length && rows[rows.length - 1] === '') rows.pop();
    return rows;
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 't', ...keys);
  }

  /** Polls the screen until `test` passes; returns that screen. */
  async waitFor(test: (rows: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
    const until = Date.now() + timeoutMs;
    let rows = this.screen();
    while (!test(rows)) {
      if (Date.now() > until) throw new Error(`terminal never showed what was awaited:\n${rows.join('\n')}`);
      await sleep(25);
      rows = this.screen();
    }
    return rows;
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
