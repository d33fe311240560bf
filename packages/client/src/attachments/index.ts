// Files sent with messages (seed 004's uploads), shared by the web app and the phone app: the
// upload with progress and cancel, the files of the message being written, and how files read.
export {
  AttachmentDraftStore,
  type AttachmentDraftsOptions,
  type Draft,
  type DraftFileInfo,
  type DraftsState,
  draftsProblem,
} from './drafts.ts';
export { fileKind, formatSize, isImage } from './format.ts';
export {
  abortedError,
  fileUrl,
  type NativeFilePart,
  type RunningUpload,
  SAME_ORIGIN_UPLOADS,
  UploadError,
  type Uploader,
  type UploadProgress,
  type UploadSource,
  type UploadTarget,
  uploadFile,
} from './upload.ts';
