import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';

/** The token just created: its name and, this one time, its secret. */
export interface TokenSecretDialogData {
  name: string;
  secret: string;
  expiresAt: string;
}

/**
 * Shows a new API token's secret once, with a copy button and the warning that prm cannot show it again (it keeps
 * only a hash). Closing needs an explicit "Done": a click beside the dialog must not lose the secret.
 */
@Component({
  selector: 'prm-token-secret-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title>Token {{ data.name }} created</h2>
    <mat-dialog-content>
      <p class="warn" role="alert">
        Copy the token now: prm stores only a hash of it and <strong>cannot show it again</strong>. Treat it like a
        password; anyone holding it acts with its role until {{ data.expiresAt.slice(0, 10) }} or until it is revoked.
      </p>
      <div class="secret-line">
        <code class="secret" data-testid="token-secret">{{ data.secret }}</code>
        <button mat-stroked-button type="button" (click)="copy()" data-testid="copy-token-secret">
          {{ copied() ? 'Copied' : 'Copy' }}
        </button>
      </div>
      <p class="hint">Use it as <code>Authorization: Bearer &lt;token&gt;</code>; such requests need no CSRF header.</p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-flat-button type="button" [mat-dialog-close]="true" data-testid="token-secret-done">
        I have copied it
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .warn {
      background: #fff4e5;
      border: 1px solid #f0c98a;
      color: #6b3d00;
      border-radius: 6px;
      padding: 8px 12px;
    }
    .secret-line {
      display: flex;
      align-items: center;
      gap: 8px;
    }
    .secret {
      flex: 1;
      font-family: var(--prm-mono);
      font-size: 13px;
      background: #f1f3f4;
      border-radius: 4px;
      padding: 6px 8px;
      word-break: break-all;
      user-select: all;
    }
    .hint {
      color: var(--prm-muted);
      font-size: 12px;
    }
  `,
})
export class TokenSecretDialogComponent {
  protected readonly data = inject<TokenSecretDialogData>(MAT_DIALOG_DATA);
  private readonly clipboard = inject(Clipboard);
  protected readonly copied = signal(false);

  protected copy(): void {
    this.copied.set(this.clipboard.copy(this.data.secret));
  }
}
