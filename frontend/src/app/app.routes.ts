import { Routes } from '@angular/router';

import { roleGuard, signedInGuard } from './core/auth.guard';
import { TopologyPageComponent } from './topology/topology-page.component';

/**
 * `/login` is the only page open to anyone; every other page needs a signed-in user ({@link signedInGuard}), and
 * pages whose every action needs a stronger role redirect weaker ones ({@link roleGuard}). Topology is the default
 * page and ships in the initial bundle (a lazy chunk would cost two more serial round trips before the map draws:
 * the chunk, then its imports); every other page is lazy-loaded.
 */
export const routes: Routes = [
  {
    path: 'login',
    title: 'Sign in · prm',
    loadComponent: () => import('./auth/login-page.component').then((m) => m.LoginPageComponent),
  },
  {
    path: '',
    canActivateChild: [signedInGuard],
    children: [
      {
        path: '',
        pathMatch: 'full',
        title: 'Topology · prm',
        component: TopologyPageComponent,
      },
      {
        path: 'endpoints',
        title: 'Endpoints · prm',
        loadComponent: () => import('./endpoints/endpoints-page.component').then((m) => m.EndpointsPageComponent),
      },
      {
        path: 'streams',
        title: 'Streams · prm',
        loadComponent: () => import('./streams/streams-page.component').then((m) => m.StreamsPageComponent),
      },
      {
        path: 'streams/new',
        title: 'New stream · prm',
        canActivate: [roleGuard('operator', '/streams')],
        loadComponent: () => import('./provisioning/stream-wizard.component').then((m) => m.StreamWizardComponent),
      },
      {
        path: 'streams/:id',
        title: 'Stream · prm',
        loadComponent: () => import('./streams/stream-page.component').then((m) => m.StreamPageComponent),
      },
      {
        path: 'settings',
        title: 'Settings · prm',
        loadComponent: () => import('./settings/settings-page.component').then((m) => m.SettingsPageComponent),
      },
      {
        path: 'alerts',
        title: 'Alerts · prm',
        loadComponent: () => import('./alerts/alerts-page.component').then((m) => m.AlertsPageComponent),
      },
      {
        path: 'migrations',
        title: 'Migrations · prm',
        loadComponent: () => import('./migrations/migrations-page.component').then((m) => m.MigrationsPageComponent),
      },
      {
        path: 'users',
        title: 'Users & API tokens · prm',
        canActivate: [roleGuard('admin', '/tokens')],
        loadComponent: () => import('./users/users-page.component').then((m) => m.UsersPageComponent),
      },
      {
        path: 'tokens',
        title: 'API tokens · prm',
        loadComponent: () => import('./users/tokens-page.component').then((m) => m.TokensPageComponent),
      },
      {
        path: 'audit',
        title: 'Audit log · prm',
        canActivate: [roleGuard('admin')],
        loadComponent: () => import('./audit/audit-page.component').then((m) => m.AuditPageComponent),
      },
      { path: '**', redirectTo: '' },
    ],
  },
];
