/**
 * The hadolint rules that matter for prm's images, checked without hadolint (Debian 12 does not ship it).
 * Rule ids follow hadolint's (https://github.com/hadolint/hadolint#rules) where one exists; PRM* are ours.
 */

export interface Instruction {
  /** Upper-case keyword, e.g. `RUN`. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
  /** Index of the stage (0-based, counting FROM instructions); -1 before the first FROM. */
  stage: number;
}

export interface Finding {
  rule: string;
  line: number;
  message: string;
}

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (line.trim() === '' && !pending)) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    pending = pending
      ? { text: `${pending.text} ${body.trim()}`, line: pending.line }
      : { text: body.trim(), line: i + 1 };
    if (continued) return;
    const m = /^(\S+)\s*(.*)$/.exec(pending.text);
    if (m) {
      const keyword = m[1]!.toUpperCase();
      if (keyword === 'FROM') stage += 1;
      out.push({ keyword, args: m[2]!.replace(/\s+/g, ' ').trim(), line: pending.line, stage });
    }
    pending = undefined;
  });
  return out;
}

/** Lints one Dockerfile; `requireHealthcheck` for images that run a service. */
export function lintDockerfile(text: string, options: { requireHealthcheck: boolean }): Finding[] {
  const findings: Finding[] = [];
  const report = (rule: string, line: number, message: string): void => void findings.push({ rule, line, message });
  const instructions = parseDockerfile(text);
  const args = new Map<string, string>();
  const stageNames = new Set<string>();
  const lastStage = Math.max(...instructions.map((i) => i.stage));

  for (const ins of instructions) {
    switch (ins.keyword) {
      case 'ARG': {
        const m = /^(\w+)=(\S+)$/.exec(ins.args);
        if (m && ins.stage === -1) args.set(m[1]!, m[2]!);
        break;
      }
      case 'FROM': {
        const [ref = '', , alias] = ins.args.replace(/^--platform=\S+\s+/, '').split(' ');
        const image = ref.replace(/^\$\{?(\w+)\}?$/, (_, name: string) => args.get(name) ?? ref);
        if (!stageNames.has(image)) {
          if (image.startsWith('$')) report('DL3006', ins.line, `FROM ${ref}: the ARG has no default tag`);
          else if (!image.includes('@') && !/:[\w.-]+$/.test(image))
            report('DL3006', ins.line, `FROM ${image}: no tag`);
          else if (/:latest$/.test(image)) report('DL3007', ins.line, `FROM ${image}: latest is not pinned`);
        }
        if (alias) stageNames.add(alias);
        break;
      }
      case 'RUN': {
        const cmd = ins.args;
        if (/\bapt-get\b[^;&|]*\binstall\b/.test(cmd)) {
          if (!cmd.includes('--no-install-recommends'))
            report('DL3015', ins.line, 'apt-get install without --no-install-recommends');
          if (!/rm -rf \/var\/lib\/apt\/lists\/?\*?/.test(cmd))
            report('DL3009', ins.line, 'apt lists not removed in the same RUN');
          const pkgs = cmd
            .split(/\binstall\b/)[1]!
            .split(/&&|;|\|/)[0]!
            .split(' ')
            .filter((w) => w && !w.startsWith('-'));
          for (const p of pkgs)
            if (!p.includes('=')) report('DL3008', ins.line, `apt package ${p} not pinned (pkg=version)`);
        }
        if (/(^|[;&|]\s*)apt\s/.test(cmd)) report('DL3027', ins.line, 'use apt-get, not apt');
        if (/(^|[;&|]\s*)sudo\s/.test(cmd)) report('DL3004', ins.line, 'sudo in RUN');
        if (/(^|[;&|]\s*)cd\s/.test(cmd)) report('DL3003', ins.line, 'cd in RUN: use WORKDIR');
        if (/[^|]\|[^|]/.test(cmd) && !/set -o pipefail/.test(cmd)) report('DL4006', ins.line, 'pipe without pipefail');
        if (/\bnpm (i|install)\b/.test(cmd)) report('PRM001', ins.line, 'npm install in an image: use npm ci');
        break;
      }
      case 'ADD':
        if (!/^(--\S+\s+)*https?:\/\//.test(ins.args)) report('DL3020', ins.line, 'ADD of local files: use COPY');
        break;
      case 'COPY':
        if (ins.stage === lastStage && !/--chown=\S+/.test(ins.args))
          report('PRM002', ins.line, 'COPY into the final image without --chown');
        break;
      case 'WORKDIR':
        if (!/^(\/|\$)/.test(ins.args)) report('DL3000', ins.line, `WORKDIR ${ins.args} is not absolute`);
        break;
      case 'CMD':
      case 'ENTRYPOINT':
        if (!isJsonArray(ins.args)) report('DL3025', ins.line, `${ins.keyword} not in exec (JSON) form`);
        break;
      case 'HEALTHCHECK': {
        const cmd = ins.args.replace(/^(--\S+\s+)*CMD\s+/, '');
        if (!/^NONE$/.test(ins.args) && !isJsonArray(cmd))
          report('DL3025', ins.line, 'HEALTHCHECK CMD not in exec form');
        break;
      }
    }
  }

  const final = instructions.filter((i) => i.stage === lastStage);
  const users = final.filter((i) => i.keyword === 'USER');
  const lastUser = users.at(-1);
  const start = final.find((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD');
  if (!lastUser) report('DL3002', 0, 'final stage has no USER (runs as root)');
  else if (/^(root|0)(:|$)/.test(lastUser.args)) report('DL3002', lastUser.line, 'last USER is root');
  else if (start && start.line < lastUser.line) report('DL3002', start.line, 'ENTRYPOINT/CMD before the non-root USER');
  if (!start) report('PRM003', 0, 'final stage has no ENTRYPOINT or CMD');
  if (options.requireHealthcheck && !final.some((i) => i.keyword === 'HEALTHCHECK')) {
    report('PRM004', 0, 'final stage has no HEALTHCHECK');
  }
  return findings;
}

function isJsonArray(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}
