import * as RadixTooltip from '@radix-ui/react-tooltip';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Toaster } from 'sonner';
import { ApiKeyDialog } from '@/components/common/ApiKeyDialog';
import { ModelsPage } from '@/pages/ModelsPage';
import { startSocket, type SocketFactory } from '@/services/socketService';

export interface AppProps {
  queryClient: QueryClient;
  /** Tests pass a fake Socket.IO client. */
  socketFactory?: SocketFactory;
}

function LiveUpdates({ queryClient, socketFactory }: AppProps) {
  useEffect(() => {
    const handle = startSocket(queryClient, socketFactory);
    return () => handle.stop();
  }, [queryClient, socketFactory]);
  return null;
}

export function App({ queryClient, socketFactory }: AppProps) {
  return (
    <QueryClientProvider client={queryClient}>
      <RadixTooltip.Provider>
        <LiveUpdates queryClient={queryClient} socketFactory={socketFactory} />
        <ModelsPage />
        <ApiKeyDialog />
        <Toaster closeButton position="top-right" theme="system" />
      </RadixTooltip.Provider>
    </QueryClientProvider>
  );
}
