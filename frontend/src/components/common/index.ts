export { Badge, type BadgeTone } from './Badge';
export { Button } from './Button';
export { Card } from './Card';
export { ConfirmDialog } from './ConfirmDialog';
export { Input, inputClass } from './Input';
export { Modal } from './Modal';
export { ProgressBar } from './ProgressBar';
export { Select, type SelectOption } from './Select';
export { Tooltip } from './Tooltip';
