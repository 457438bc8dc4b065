// The Socket.IO client for namespace `/progress`. It reconnects by itself; after every
// (re)connect the list, the GPU view and the health are fetched again, so nothing is missed.
import type { QueryClient } from '@tanstack/react-query';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { queryKeys } from '@/hooks/queryKeys';
import { useApiKeyStore } from '@/stores/apiKeyStore';
import { useConnectionStore } from '@/stores/connectionStore';
import { createSocketHandlers, type SocketEvents } from './socketHandlers';

export const NAMESPACE = '/progress';

export type SocketFactory = (uri: string, options: Partial<ManagerOptions & SocketOptions>) => Socket;

export interface SocketHandle {
  socket: Socket;
  /** Reconnects with the current API key (after the key dialog accepted one). */
  reconnect: () => void;
  stop: () => void;
}

function authFor(key: string | null): { token?: string } {
  return key ? { token: key } : {};
}

export function startSocket(client: QueryClient, factory: SocketFactory = io): SocketHandle {
  const setState = useConnectionStore.getState().setSocket;
  const socket = factory(NAMESPACE, {
    auth: authFor(useApiKeyStore.getState().key),
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
    randomizationFactor: 0.3,
  });
  let stopped = false;

  setState('connecting');
  socket.on('connect', () => {
    setState('connected');
    for (const queryKey of [queryKeys.models, queryKeys.gpu, queryKeys.health]) {
      void client.invalidateQueries({ queryKey });
    }
  });
  socket.on('disconnect', (reason) => {
    if (stopped || reason === 'io client disconnect') return;
    setState('reconnecting');
    // The server closed this socket on purpose; the client does not retry that by itself.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', (error: Error) => {
    if (socket.active) {
      setState('reconnecting');
      return;
    }
    // Refused by the namespace (a missing or wrong API key): no retry until a key is given.
    setState('offline');
    if (/UNAUTHORI[SZ]ED/i.test(error.message)) useApiKeyStore.getState().requestKey();
  });
  socket.io.on('reconnect_attempt', () => setState('reconnecting'));
  socket.io.on('reconnect_failed', () => setState('offline'));

  const handlers = createSocketHandlers(client);
  for (const name of Object.keys(handlers) as (keyof SocketEvents)[]) {
    socket.on(name, handlers[name] as (payload: unknown) => void);
  }

  const reconnect = () => {
    socket.auth = authFor(useApiKeyStore.getState().key);
    socket.disconnect();
    setState('connecting');
    socket.connect();
  };
  // A new key reaches the socket as its handshake `auth.token`.
  const unsubscribe = useApiKeyStore.subscribe((state, previous) => {
    if (state.key !== previous.key && !stopped) reconnect();
  });

  return {
    socket,
    reconnect,
    stop: () => {
      stopped = true;
      unsubscribe();
      socket.disconnect();
    },
  };
}
