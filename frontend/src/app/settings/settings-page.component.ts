import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { StreamsStore } from '../core/streams.store';
import { ThresholdsEditorComponent } from '../shared/thresholds-editor.component';

/** Settings: the global lag thresholds every stream without its own uses. */
@Component({
  selector: 'prm-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ThresholdsEditorComponent],
  template: `
    <h1>Settings</h1>
    <section class="card" aria-labelledby="thr-h">
      <h2 id="thr-h">Global lag thresholds</h2>
      <prm-thresholds-editor [streamId]="null" (changed)="streams.refresh()" />
    </section>
  `,
  styles: `
    h1 {
      font-size: 20px;
      font-weight: 500;
      margin: 0 0 8px;
    }
    .card {
      border: 1px solid #e3e6ea;
      border-radius: 8px;
      padding: 8px 12px;
      max-width: 900px;
    }
    h2 {
      font-size: 14px;
      font-weight: 600;
      margin: 0 0 8px;
    }
  `,
})
export class SettingsPageComponent {
  protected readonly streams = inject(StreamsStore);
}
