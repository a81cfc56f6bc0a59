import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Real file-system trouble for the storage tests. Root ignores permission bits, so chmod cannot make
// a directory unwritable for the test; a mount can: a size-limited tmpfs fills up (ENOSPC), a tmpfs
// remounted read-only refuses every write (EROFS), and an ext4 image told it hit an error turns
// read-only under open files (errors=remount-ro), as a failing disk does.

export interface Mounted {
  dir: string;
  /** Unmounts it (lazily, should something still hold a file there) and removes the mount point. */
  release(): void;
}

/** Why mounting is impossible here (not root, no CAP_SYS_ADMIN, a container without mount), or undefined when it works. */
export function mountUnavailable(): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-mount-check-'));
  try {
    const tried = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
    if (tried.status !== 0) return `cannot mount a tmpfs here: ${(tried.stderr || tried.error?.message || 'mount failed').trim()}`;
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    fs.rmdirSync(dir);
  }
}

function release(dir: string, image?: string): void {
  spawnSync('umount', ['-l', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  if (image) fs.rmSync(image, { force: true });
}

/** A tmpfs of `sizeBytes` (rounded up to pages by the kernel). */
export function mountTmpfs(sizeBytes: number): Mounted {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  return { dir, release: () => release(dir) };
}

/** Makes a mounted file system read-only; the kernel refuses (EBUSY) while a file there is open for writing. */
export function remountReadOnly(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir]);
}

/** Writes zeros into `dir/filler` until the disk is full; removing that file frees the space again. */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  // dd stops with "No space left on device" (status 1): that is the point.
  spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
  return filler;
}

/** An ext4 image of `sizeBytes` on a loop device, mounted with errors=remount-ro. */
export function mountExt4(sizeBytes: number): Mounted & { failDisk(): void } {
  const image = path.join(os.tmpdir(), `chunfeng-ext4-${process.pid}-${Date.now()}.img`);
  fs.writeFileSync(image, '');
  fs.truncateSync(image, sizeBytes);
  execFileSync('mkfs.ext4', ['-q', '-F', image]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chunfeng-ext4-'));
  try {
    execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
  } catch (error) {
    release(dir, image);
    throw error;
  }
  const device = path.basename(execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir], { encoding: 'utf8' }).trim());
  return {
    dir,
    release: () => release(dir, image),
    // ext4's own fault injection: the file system records an error and, as mounted, turns read-only.
    failDisk: () => fs.writeFileSync(`/sys/fs/ext4/${device}/trigger_fs_error`, '1'),
  };
}
