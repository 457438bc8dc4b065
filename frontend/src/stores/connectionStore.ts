// The `/progress` socket's state, as the status bar shows it.
import { create } from 'zustand';

export type SocketState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

interface ConnectionState {
  socket: SocketState;
  setSocket: (state: SocketState) => void;
  reset: () => void;
}

export const useConnectionStore = create<ConnectionState>()((set) => ({
  socket: 'connecting',
  setSocket: (socket) => set({ socket }),
  reset: () => set({ socket: 'connecting' }),
}));
