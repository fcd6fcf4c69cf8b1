import { open, stat } from 'node:fs/promises';

import { type LogReader, type LogReadResult, parseCsvlog, parseJsonlogText } from '@prm/pg';

/** Where a file read stopped: byte offset in the file identified by device + inode. */
export interface FileLogCursor {
  dev: number;
  ino: number;
  /** Bytes of the file consumed (the next read starts here). */
  offset: number;
}

/** Options of {@link FileLogReader}. */
export interface FileLogReaderOptions {
  /** Absolute path of the jsonlog/csvlog file (e.g. `<data>/log/postgresql.json`). */
  path: string;
  format: 'jsonlog' | 'csvlog';
  /** Bytes read per call at most; default 4 MiB. A single record longer than this is skipped. */
  maxBytesPerRead?: number;
  /** On the first read of a file larger than this, only its last this-many bytes are read; default 1 MiB. */
  initialBacklogBytes?: number;
}

/** Thrown when the log file cannot be read (missing, permission); the message names the path and errno. */
export class LogFileError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'LogFileError';
  }
}

/**
 * Reads a PostgreSQL jsonlog or csvlog file incrementally from a byte offset. A file that shrank (truncated) or
 * whose inode changed (rotated and re-created) is read again from 0; a partial last line or CSV record is left for
 * the next call. Point it at a file name that does not change (`log_filename` without `%` escapes, or a symlink
 * kept current): a rotation to a new name is seen as a new inode, and the tail of the old file is not read.
 */
export class FileLogReader implements LogReader<FileLogCursor> {
  private readonly maxBytes: number;
  private readonly backlog: number;

  constructor(private readonly opts: FileLogReaderOptions) {
    this.maxBytes = opts.maxBytesPerRead ?? 4 * 1024 * 1024;
    this.backlog = opts.initialBacklogBytes ?? 1024 * 1024;
  }

  async read(cursor: FileLogCursor | null): Promise<LogReadResult<FileLogCursor>> {
    const st = await stat(this.opts.path).catch((err: NodeJS.ErrnoException) => {
      throw new LogFileError(
        this.opts.path,
        err.code,
        `cannot read log file ${this.opts.path}: ${err.code ?? err.message}`,
      );
    });
    const same = cursor !== null && cursor.ino === st.ino && cursor.dev === st.dev && cursor.offset <= st.size;
    let offset = same ? cursor.offset : 0;
    let resync = false;
    if (cursor === null && st.size > this.backlog) {
      offset = st.size - this.backlog;
      resync = true;
    }
    const next = (consumedTo: number): FileLogCursor => ({ dev: st.dev, ino: st.ino, offset: consumedTo });
    if (offset >= st.size) return { entries: [], cursor: next(offset), bytesRead: 0, more: false };
    const length = Math.min(this.maxBytes, st.size - offset);
    const buf = Buffer.alloc(length);
    const fh = await open(this.opts.path, 'r');
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(buf, 0, length, offset));
    } finally {
      await fh.close();
    }
    let data = buf.subarray(0, bytesRead);
    if (resync) {
      // started mid-file: skip to the first record start (a line beginning with a timestamp or `{`)
      const start = this.firstRecordStart(data);
      offset += start;
      data = data.subarray(start);
    }
    let entries;
    let consumed: number;
    if (this.opts.format === 'jsonlog') {
      consumed = data.lastIndexOf(0x0a) + 1;
      entries = parseJsonlogText(data.subarray(0, consumed).toString('utf8')).entries;
    } else {
      ({ entries, consumed } = parseCsvlog(data));
    }
    // a record longer than the whole read can never complete: skip it rather than stall forever
    if (consumed === 0 && data.length === this.maxBytes) consumed = data.length;
    const to = offset + consumed;
    return { entries, cursor: next(to), bytesRead, more: to < st.size };
  }

  private firstRecordStart(data: Buffer): number {
    const pattern = this.opts.format === 'jsonlog' ? /\n\{/ : /\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;
    const m = pattern.exec(data.toString('latin1')); // latin1: one char per byte, so the index is a byte offset
    return m ? m.index + 1 : data.length;
  }
}
