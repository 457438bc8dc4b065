import { QueryClient } from '@tanstack/react-query';
import { queryKeys } from '@/hooks/queryKeys';
import { useApiKeyStore } from '@/stores/apiKeyStore';
import { useConnectionStore } from '@/stores/connectionStore';
import { fakeSocketFactory } from '@/test/fakeSocket';
import { makeModel } from '@/test/fixtures';
import { startSocket } from './socketService';

function setup() {
  const client = new QueryClient();
  const invalidate = vi.spyOn(client, 'invalidateQueries').mockResolvedValue();
  const { factory, sockets } = fakeSocketFactory();
  const handle = startSocket(client, factory);
  const socket = sockets[0]!;
  return { client, invalidate, handle, socket, sockets };
}

describe('startSocket', () => {
  it('connects to namespace /progress and says connected once the server accepts', () => {
    const { socket } = setup();
    expect(socket.uri).toBe('/progress');
    expect(useConnectionStore.getState().socket).toBe('connecting');
    socket.serverConnect();
    expect(useConnectionStore.getState().socket).toBe('connected');
  });

  it('says reconnecting when the connection drops', () => {
    const { socket } = setup();
    socket.serverConnect();
    socket.drop();
    expect(useConnectionStore.getState().socket).toBe('reconnecting');
  });

  it('fetches the list, the GPU view and the health again after a reconnect', () => {
    // Arrange
    const { socket, invalidate } = setup();
    socket.serverConnect();
    socket.drop();
    invalidate.mockClear();

    // Act
    socket.serverConnect();

    // Assert
    expect(invalidate).toHaveBeenCalledWith({ queryKey: queryKeys.models });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: queryKeys.gpu });
    expect(invalidate).toHaveBeenCalledWith({ queryKey: queryKeys.health });
  });

  it('sends the API key as the handshake auth.token', () => {
    useApiKeyStore.getState().setKey('k-1');
    const { socket } = setup();
    expect(socket.auth).toEqual({ token: 'k-1' });
  });

  it('reconnects with a new key when one is given', () => {
    const { socket } = setup();
    useApiKeyStore.getState().setKey('k-2');
    expect(socket.auth).toEqual({ token: 'k-2' });
    expect(socket.disconnects).toBe(1);
    expect(socket.connects).toBe(1);
  });

  it('asks for the key when the namespace refuses the handshake', () => {
    const { socket } = setup();
    socket.active = false;
    socket.fire('connect_error', new Error('UNAUTHORIZED: send the API key as auth.token'));
    expect(useConnectionStore.getState().socket).toBe('offline');
    expect(useApiKeyStore.getState().dialogOpen).toBe(true);
  });

  it('keeps trying while the gateway is unreachable', () => {
    const { socket } = setup();
    socket.fire('connect_error', new Error('xhr poll error'));
    expect(useConnectionStore.getState().socket).toBe('reconnecting');
    expect(useApiKeyStore.getState().dialogOpen).toBe(false);
  });

  it('routes server events to the handlers', () => {
    const { socket, client } = setup();
    client.setQueryData(queryKeys.models, [makeModel({ id: 7, status: 'loaded' })]);
    socket.emitEvent('model:unload:complete', { model_id: 7 });
    expect(client.getQueryData<{ status: string }[]>(queryKeys.models)?.[0]?.status).toBe('ready');
  });

  it('stops listening for key changes once stopped', () => {
    const { socket, handle } = setup();
    handle.stop();
    useApiKeyStore.getState().setKey('k-3');
    expect(socket.connects).toBe(0);
  });
});
