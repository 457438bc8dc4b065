import * as Tabs from '@radix-ui/react-tabs';
import { Card } from '@/components/common';
import { HubDownloadForm } from './HubDownloadForm';
import { LocalFolderForm } from './LocalFolderForm';

const tabClass =
  'rounded-t-md border-b-2 border-transparent px-3 py-2 text-sm font-medium text-neutral-700 hover:text-neutral-900 focus-visible:outline-2 focus-visible:outline-blue-600 data-[state=active]:border-blue-700 data-[state=active]:text-blue-800 dark:text-neutral-300 dark:hover:text-white dark:data-[state=active]:border-blue-400 dark:data-[state=active]:text-blue-300';

/** Add a model: from the hub, or a folder already on the server. */
export function DownloadForm() {
  return (
    <Card aria-labelledby="add-model-heading">
      <h2 id="add-model-heading" className="mb-2 text-lg font-semibold">
        Add a model
      </h2>
      <Tabs.Root defaultValue="hub">
        <Tabs.List aria-label="Where the model comes from" className="mb-4 flex gap-1 border-b border-neutral-200 dark:border-neutral-800">
          <Tabs.Trigger value="hub" className={tabClass}>
            Hugging Face
          </Tabs.Trigger>
          <Tabs.Trigger value="local" className={tabClass}>
            Local folder
          </Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="hub" className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-blue-600">
          <HubDownloadForm />
        </Tabs.Content>
        <Tabs.Content value="local" className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-blue-600">
          <LocalFolderForm />
        </Tabs.Content>
      </Tabs.Root>
    </Card>
  );
}
