// While helm waits for a release to become ready, this reads the StatefulSet's ready count from the cluster
// and reports each change ("2/3 NATS pods ready"), so the workflow's progress and the Web UI say how far it is.
export interface ReadinessWatch {
  /** The last report, e.g. "2/3 NATS pods ready". */
  readonly last: string | undefined;
  stop(): void;
}

export function describeReadiness(r: { ready: number; desired: number } | null): string {
  if (!r) return 'waiting for the StatefulSet to be created';
  return `${r.ready}/${r.desired} NATS pods ready`;
}

export function watchReadiness(opts: {
  /** One read of the StatefulSet's ready and desired replicas (null: not created yet). */
  read: () => Promise<{ ready: number; desired: number } | null>;
  intervalMs?: number;
  onChange: (text: string) => void;
}): ReadinessWatch {
  let last: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    let text: string;
    try {
      text = describeReadiness(await opts.read());
    } catch {
      text = 'waiting for the cluster to answer';
    }
    if (stopped) return;
    if (text !== last) {
      last = text;
      opts.onChange(text);
    }
    timer = setTimeout(() => void tick(), opts.intervalMs ?? 2000);
  };
  timer = setTimeout(() => void tick(), Math.min(opts.intervalMs ?? 2000, 500));
  return {
    get last() {
      return last;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
