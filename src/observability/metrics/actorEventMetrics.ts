import { Counter, type Registry } from 'prom-client';
import type { Disposable, EventBus } from '../../events/eventBus.js';

/** The counters of supervision and breaker events: restarts, escalations, dead letters, opens. */
export class ActorEventMetrics {
  private readonly listeners: Disposable[];

  constructor(registry: Registry, bus: EventBus) {
    const registers = [registry];
    const restarts = new Counter({
      name: 'warden_actor_restarts_total',
      help: 'Restarts scheduled by supervisors, per supervised actor (pool slots and breakers included).',
      labelNames: ['actor', 'supervisor'],
      registers,
    });
    const escalations = new Counter({
      name: 'warden_supervisor_escalations_total',
      help: 'Supervisors whose restart intensity was exceeded (they stop their children and fail to their parent).',
      labelNames: ['supervisor'],
      registers,
    });
    const deadLetters = new Counter({
      name: 'warden_actor_dead_letters_total',
      help: 'Supervised actors dead-lettered after their restart budget was spent.',
      labelNames: ['actor'],
      registers,
    });
    const opens = new Counter({
      name: 'warden_breaker_opens_total',
      help: 'Times each circuit breaker opened (tripped, or a trial failed).',
      labelNames: ['breaker'],
      registers,
    });
    this.listeners = [
      bus.on('actor.restarting', (event) => {
        restarts.inc({ actor: event.actorId, supervisor: event.supervisorId ?? '' });
      }),
      bus.on('supervisor.escalated', (event) => {
        escalations.inc({ supervisor: event.actorId });
      }),
      bus.on('actor.dead', (event) => {
        deadLetters.inc({ actor: event.actorId });
      }),
      bus.on('breaker.opened', (event) => {
        opens.inc({ breaker: event.breaker });
      }),
    ];
  }

  /** Stops listening. */
  dispose(): void {
    for (const listener of this.listeners) listener.dispose();
  }
}
