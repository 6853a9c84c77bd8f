/** A gate that handlers wait at until it opens: jobs that start and then hold their slots. */
export interface Gate {
  /** Resolves once the gate opens. */
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
