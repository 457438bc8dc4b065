// A stand-in for socket.io-client's Socket: tests fire connection events and server events.
import type { Socket } from 'socket.io-client';
import type { SocketFactory } from '@/services/socketService';

type Listener = (...args: unknown[]) => void;

class Emitter {
  private listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  fire(event: string, ...args: unknown[]) {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

export class FakeSocket extends Emitter {
  active = true;
  connected = false;
  auth: Record<string, unknown>;
  readonly io = new Emitter();
  connects = 0;
  disconnects = 0;

  constructor(
    readonly uri: string,
    options: { auth?: Record<string, unknown> },
  ) {
    super();
    this.auth = options.auth ?? {};
  }
  connect() {
    this.connects += 1;
    this.active = true;
    return this;
  }
  disconnect() {
    this.disconnects += 1;
    this.connected = false;
    return this;
  }
  /** The server accepted the handshake. */
  serverConnect() {
    this.connected = true;
    this.fire('connect');
  }
  /** The connection dropped (the gateway went away). */
  drop() {
    this.connected = false;
    this.fire('disconnect', 'transport close');
  }
  emitEvent(name: string, payload: unknown) {
    this.fire(name, payload);
  }
}

export function fakeSocketFactory(): { factory: SocketFactory; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  const factory: SocketFactory = (uri, options) => {
    const socket = new FakeSocket(uri, options as { auth?: Record<string, unknown> });
    sockets.push(socket);
    return socket as unknown as Socket;
  };
  return { factory, sockets };
}
