import { Counter, type Registry } from 'prom-client';

/** Feature pushes through the server: `aquifer_push_rows_total{view,to}` (Feast's `POST /push`). */
export class FeatureMetrics {
  private readonly pushed: Counter<'view' | 'to'>;

  constructor(registry: Registry) {
    this.pushed = new Counter({
      name: 'aquifer_push_rows_total',
      help: 'Rows pushed to a feature view through POST /push, by view and target (online, offline or online_and_offline).',
      labelNames: ['view', 'to'],
      registers: [registry],
    });
  }

  push(view: string, to: string, rows: number): void {
    this.pushed.inc({ view, to }, rows);
  }
}
