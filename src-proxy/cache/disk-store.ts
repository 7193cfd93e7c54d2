/**
 * The optional on-disk tier: one file per stored response under the cache
 * directory (`<sha256 of id>.entry`: a 4-byte length, the entry's head as
 * JSON, then the body), an in-memory index of the heads rebuilt from the
 * files at start, and its own LRU bound. Writes go to a temporary file and are
 * renamed into place, so a crash never leaves a half entry behind.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheEntry } from './entry.js';
import { Lru } from './lru.js';

type Head = Omit<CacheEntry, 'body'>;
export interface DiskHead extends Head {
  readonly id: string;
  readonly file: string;
}

const SUFFIX = '.entry';
let writeCounter = 0;

export class DiskStore {
  readonly ready: Promise<void>;
  private readonly index: Lru<DiskHead>;
  private closed = false;
  /** The latest write per id: a write that finishes after a delete (or a newer write) must not resurrect its entry. */
  private readonly writes = new Map<string, symbol>();

  constructor(
    readonly dir: string,
    maxBytes: number,
    /** Told about every entry the store loads or evicts, so the cache can keep its key indexes. */
    private readonly listener: { loaded(head: DiskHead): void; evicted(head: DiskHead): void },
  ) {
    this.index = new Lru<DiskHead>(maxBytes, (_id, head) => {
      listener.evicted(head);
      void rm(head.file, { force: true });
    });
    this.ready = this.load();
  }

  get bytes(): number {
    return this.index.bytes;
  }

  get count(): number {
    return this.index.count;
  }

  head(id: string): DiskHead | undefined {
    return this.index.peek(id);
  }

  /** The whole entry, or null when its file is gone or damaged. */
  async read(id: string): Promise<CacheEntry | null> {
    const head = this.index.get(id);
    if (head === undefined) return null;
    try {
      const data = await readFile(head.file);
      const length = data.readUInt32BE(0);
      const { id: _id, file: _file, ...rest } = head;
      return { ...rest, body: data.subarray(4 + length) };
    } catch {
      this.delete(id);
      return null;
    }
  }

  async write(id: string, entry: CacheEntry): Promise<void> {
    if (this.closed) return;
    const file = join(this.dir, createHash('sha256').update(id).digest('hex') + SUFFIX);
    const { body, ...rest } = entry;
    const head: DiskHead = { ...rest, id, file };
    const json = Buffer.from(JSON.stringify(head));
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(json.length);
    const token = Symbol(id);
    this.writes.set(id, token);
    const tmp = `${file}.${process.pid}.${writeCounter++}.tmp`;
    try {
      await writeFile(tmp, Buffer.concat([prefix, json, body]));
      if (this.writes.get(id) !== token) return;
      await rename(tmp, file);
    } catch {
      return;
    } finally {
      await rm(tmp, { force: true });
    }
    if (this.writes.get(id) !== token) {
      // Deleted while being written (a newer write renames its own file over this one).
      if (!this.writes.has(id)) await rm(file, { force: true });
      return;
    }
    this.writes.delete(id);
    if (!this.closed && this.index.set(id, head)) this.listener.loaded(head);
  }

  delete(id: string): void {
    this.writes.delete(id);
    const head = this.index.delete(id);
    if (head !== undefined) void rm(head.file, { force: true });
  }

  close(): void {
    this.closed = true;
  }

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      const file = join(this.dir, name);
      if (name.endsWith('.tmp')) {
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith(SUFFIX)) continue;
      const head = await readHead(file);
      if (head === null) await rm(file, { force: true });
      else if (this.index.set(head.id, { ...head, file })) this.listener.loaded(head);
    }
  }
}

async function readHead(file: string): Promise<DiskHead | null> {
  const fh = await open(file, 'r');
  try {
    const prefix = Buffer.alloc(4);
    if ((await fh.read(prefix, 0, 4, 0)).bytesRead !== 4) return null;
    const length = prefix.readUInt32BE(0);
    const json = Buffer.alloc(length);
    if ((await fh.read(json, 0, length, 4)).bytesRead !== length) return null;
    return JSON.parse(json.toString('utf8')) as DiskHead;
  } catch {
    return null;
  } finally {
    await fh.close();
  }
}
