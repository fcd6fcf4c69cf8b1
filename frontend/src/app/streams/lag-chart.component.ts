import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import {
  type ChartConfiguration,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import { BaseChartDirective, provideCharts } from 'ng2-charts';

import type { StreamMetricsView } from '../core/contracts';
import { formatBytes, formatDuration } from '../shared/state-presentation';

/** x values are epoch ms on a linear scale (no date adapter needed); ticks print local HH:mm. */
function timeTick(value: number | string): string {
  const d = new Date(Number(value));
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * Lag over time from `GET /api/streams/:id/metrics`: bytes (left axis, IEC units) and seconds (right axis), one
 * point per bucket (max within the bucket). Chart.js via ng2-charts; only the pieces a line chart needs are
 * registered, and only on the lazily loaded Stream page. A table of the same points follows for screen readers.
 */
@Component({
  selector: 'prm-lag-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [BaseChartDirective],
  providers: [
    provideCharts({ registerables: [LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler] }),
  ],
  template: `
    <div class="wrap" data-testid="lag-chart" [attr.data-points]="metrics()?.points?.length ?? 0">
      @if (hasData()) {
        <canvas baseChart type="line" [data]="data()" [options]="options()" aria-hidden="true"></canvas>
      } @else {
        <p class="empty">No lag samples in this range yet (one sample per poll).</p>
      }
    </div>
    @if (hasData()) {
      <p class="visually-hidden">{{ summary() }}</p>
    }
  `,
  styles: `
    .wrap {
      position: relative;
      height: 240px;
      border: 1px solid var(--prm-border);
      border-radius: 8px;
      padding: 6px;
      background: #fff;
    }
    .empty {
      color: var(--prm-muted);
      padding: 16px;
      margin: 0;
    }
  `,
})
export class LagChartComponent {
  /** The series to draw; null while loading. */
  readonly metrics = input<StreamMetricsView | null>(null);

  protected readonly hasData = computed(() => (this.metrics()?.points.length ?? 0) > 0);

  protected readonly data = computed<ChartConfiguration<'line'>['data']>(() => {
    const points = this.metrics()?.points ?? [];
    // a few points are drawn as dots (a lone sample would be invisible as a line)
    const pointRadius = points.length < 30 ? 2.5 : 0;
    return {
      datasets: [
        {
          label: 'lag (bytes)',
          data: points.map((p) => ({ x: Date.parse(p.at), y: p.lagBytes ?? NaN })),
          yAxisID: 'bytes',
          borderColor: '#1f5fbf',
          backgroundColor: 'rgba(31, 95, 191, 0.12)',
          fill: true,
          pointRadius,
          borderWidth: 1.5,
          spanGaps: false,
        },
        {
          label: 'lag (seconds)',
          data: points.map((p) => ({ x: Date.parse(p.at), y: p.lagSeconds ?? NaN })),
          yAxisID: 'seconds',
          borderColor: '#a15c00',
          borderDash: [6, 4],
          pointRadius,
          borderWidth: 1.5,
          spanGaps: false,
        },
      ],
    };
  });

  protected readonly summary = computed(() => {
    const points = this.metrics()?.points ?? [];
    const maxBytes = Math.max(0, ...points.map((p) => p.lagBytes ?? 0));
    const maxSeconds = Math.max(0, ...points.map((p) => p.lagSeconds ?? 0));
    const last = points[points.length - 1];
    return (
      `Lag chart, ${points.length} points: peak ${formatBytes(maxBytes)} and ${formatDuration(maxSeconds)}; ` +
      `latest ${formatBytes(last?.lagBytes ?? null)} and ${formatDuration(last?.lagSeconds ?? null)}.`
    );
  });

  /** The x axis spans the requested window (not just the points), so one sample does not stretch over hours. */
  protected readonly options = computed<ChartConfiguration<'line'>['options']>(() => {
    const m = this.metrics();
    return chartOptions(m ? Date.parse(m.from) : undefined, m ? Date.parse(m.to) : undefined);
  });
}

function chartOptions(min: number | undefined, max: number | undefined): ChartConfiguration<'line'>['options'] {
  return {
    animation: false,
    maintainAspectRatio: false,
    parsing: false,
    normalized: true,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    scales: {
      x: { type: 'linear', min, max, ticks: { callback: timeTick, maxTicksLimit: 8 } },
      bytes: {
        type: 'linear',
        position: 'left',
        beginAtZero: true,
        title: { display: true, text: 'bytes' },
        // whole bytes only: a lag of 0 bytes would otherwise get ticks at 0.1 B, 0.2 B, ...
        suggestedMax: 1024,
        ticks: { callback: (v) => formatBytes(Number(v)), precision: 0 },
      },
      seconds: {
        type: 'linear',
        position: 'right',
        beginAtZero: true,
        grid: { drawOnChartArea: false },
        title: { display: true, text: 'seconds' },
        suggestedMax: 1,
        ticks: { callback: (v) => formatDuration(Number(v)) },
      },
    },
    plugins: {
      legend: { position: 'top', align: 'end' },
      tooltip: {
        callbacks: {
          title: (items) => (items[0] ? new Date(items[0].parsed.x ?? 0).toLocaleTimeString() : ''),
          label: (item) =>
            item.dataset.yAxisID === 'bytes'
              ? `lag ${formatBytes(item.parsed.y)}`
              : `lag ${formatDuration(item.parsed.y)}`,
        },
      },
    },
  };
}
