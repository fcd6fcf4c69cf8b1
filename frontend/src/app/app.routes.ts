import { Routes } from '@angular/router';

/** Topology is the default page; each feature is lazy-loaded. */
export const routes: Routes = [
  {
    path: '',
    pathMatch: 'full',
    title: 'Topology · prm',
    loadComponent: () => import('./topology/topology-page.component').then((m) => m.TopologyPageComponent),
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
  { path: '**', redirectTo: '' },
];
