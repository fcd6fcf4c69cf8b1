import { Controller, Get, Injectable, type OnModuleDestroy, type StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EndpointStatus, EndpointView, TopologyView } from '@prm/contracts';
import { buildTopology, DEFAULT_POLL_INTERVAL_MS } from '@prm/monitor-service';
import { EndpointRepository, EndpointStatusRepository, toEndpointView } from '@prm/persistence';
import { RequireRole } from '@prm/observability';
import { jsonBody, serializeJson } from './json-body.js';
import { ReadModel } from './read-model.js';

/** After `status.updated` / `endpoint.changed`, the topology is updated in the background this much later, ms. */
export const TOPOLOGY_UPDATE_DELAY_MS = 100;

/** What changed: new snapshots of these endpoints (`status.updated`), or the endpoints themselves. */
export type TopologyChange = { endpointIds: string[] } | 'all';

/** The topology read model: its inputs (to apply changes to) and the view. */
interface TopologyState {
  endpoints: EndpointView[];
  statuses: ReadonlyMap<string, EndpointStatus>;
  view: TopologyView;
  /** `view` serialized, once, when first served. */
  body?: Buffer;
}

/**
 * The topology (nodes, stream edges, reachability) derived from the endpoints and their latest snapshots, as a
 * read model ({@link ReadModel}): built once; on `status.updated` only the announced endpoints' snapshots are read
 * again, on `endpoint.changed` the endpoints (called by the live events controller; a burst causes one update); from
 * scratch every default poll interval (15 s; staleness depends on the time). A request never gets a topology that
 * misses an event received before it.
 */
@Injectable()
export class TopologyService implements OnModuleDestroy {
  private readonly model: ReadModel<TopologyState, TopologyChange>;

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly statuses: EndpointStatusRepository,
  ) {
    this.model = new ReadModel('topology', (previous, changes) => this.build(previous, changes), {
      maxAgeMs: DEFAULT_POLL_INTERVAL_MS,
      updateDelayMs: TOPOLOGY_UPDATE_DELAY_MS,
    });
  }

  /** The current topology (shared object: do not modify). @throws the metadata store's error. */
  async get(): Promise<TopologyView> {
    return (await this.model.get()).view;
  }

  /** {@link get} serialized as the response body (once per version of the model). */
  async body(): Promise<Buffer> {
    const state = await this.model.get();
    return (state.body ??= serializeJson(state.view));
  }

  /** Announces a change (`status.updated`: the endpoints with a new snapshot; `endpoint.changed`: `'all'`). */
  invalidate(change: TopologyChange): void {
    this.model.invalidate(change);
  }

  onModuleDestroy(): void {
    this.model.close();
  }

  private async build(previous: TopologyState | undefined, changes: TopologyChange[]): Promise<TopologyState> {
    let endpoints: EndpointView[];
    let statuses: Map<string, EndpointStatus>;
    if (!previous || changes.includes('all')) {
      const [rows, all] = await Promise.all([this.endpoints.findAll(), this.statuses.findAll()]);
      endpoints = rows.map(toEndpointView);
      statuses = new Map(all.map((s) => [s.endpointId, s]));
    } else {
      const ids = [...new Set(changes.flatMap((c) => (c === 'all' ? [] : c.endpointIds)))];
      const fresh = new Map((await this.statuses.findByEndpoints(ids)).map((s) => [s.endpointId, s]));
      endpoints = previous.endpoints;
      statuses = new Map(previous.statuses);
      for (const id of ids) {
        const s = fresh.get(id);
        if (s) statuses.set(id, s);
        else statuses.delete(id);
      }
    }
    return { endpoints, statuses, view: buildTopology(endpoints, [...statuses.values()], new Date()) };
  }
}

@ApiTags('topology')
@Controller('api/topology')
export class TopologyController {
  constructor(private readonly topology: TopologyService) {}

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'Nodes (endpoints), directed stream edges publisher → subscriber, and their states' })
  get(): Promise<StreamableFile> {
    // TopologyView, serialized once per version of the read model
    return this.topology.body().then(jsonBody);
  }
}
