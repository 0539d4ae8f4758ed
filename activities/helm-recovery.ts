// A helm process killed mid-operation (worker crash, SIGKILL, node loss) leaves its release `pending-*`, and
// every later helm call then fails with "another operation is in progress". The deployer holds a per-exchange
// lock (one workflow id per exchange), so when a *retry* of our own activity finds the release pending, the
// pending operation is the one our earlier attempt left behind and it is safe to clear it.

export type Recovery = 'none' | 'uninstall' | 'rollback';

/** Pure: what to do before running helm again, given the release status and this activity attempt. */
export function recoveryFor(status: string | undefined, attempt: number): Recovery {
  if (!status || attempt <= 1) return 'none';
  // an install that never finished has nothing worth keeping: remove it and install again
  if (status === 'pending-install') return 'uninstall';
  // an upgrade or rollback that never finished: return to the last deployed revision, then upgrade again
  if (status === 'pending-upgrade' || status === 'pending-rollback') return 'rollback';
  return 'none';
}
