import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  type OnInit,
  effect,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import type { EditorView } from '@codemirror/view';

/**
 * SQL editor with syntax highlighting: CodeMirror 6 with `@codemirror/lang-sql` (PostgreSQL dialect), loaded with
 * a dynamic import so it never reaches the initial bundle. Two-way: `value` in, `valueChange` out.
 */
@Component({
  selector: 'prm-sql-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div #host class="host" [attr.aria-label]="label()" data-testid="sql-editor"></div>
    @if (!ready()) {
      <p class="loading">Loading editor…</p>
    }
  `,
  styles: `
    .host {
      border: 1px solid var(--prm-border, #c8cdd3);
      border-radius: 4px;
      min-height: 220px;
      max-height: 420px;
      overflow: auto;
      font-size: 13px;
    }
    .loading {
      color: var(--prm-muted, #666);
    }
  `,
})
export class SqlEditorComponent implements OnInit {
  readonly value = input<string>('');
  readonly label = input<string>('SQL script');
  readonly valueChange = output<string>();

  private readonly host = viewChild.required<ElementRef<HTMLElement>>('host');
  private readonly destroyRef = inject(DestroyRef);
  protected readonly ready = signal(false);
  private view: EditorView | null = null;

  constructor() {
    // Outside changes (file upload, reset) replace the document.
    effect(() => {
      const v = this.value();
      if (this.view && this.view.state.doc.toString() !== v) {
        this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: v } });
      }
    });
  }

  async ngOnInit(): Promise<void> {
    const [{ basicSetup, EditorView }, { sql, PostgreSQL }] = await Promise.all([
      import('codemirror'),
      import('@codemirror/lang-sql'),
    ]);
    this.view = new EditorView({
      doc: this.value(),
      parent: this.host().nativeElement,
      extensions: [
        basicSetup,
        sql({ dialect: PostgreSQL }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) this.valueChange.emit(u.state.doc.toString());
        }),
        EditorView.contentAttributes.of({ 'aria-label': this.label(), 'data-testid': 'sql-input' }),
      ],
    });
    this.ready.set(true);
    this.destroyRef.onDestroy(() => this.view?.destroy());
  }
}
