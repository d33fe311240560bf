import { useNavigate } from 'react-router';
import { RoomNameForm } from './RoomNameForm.tsx';
import { useCreateRoomMutation } from './roomsApi.ts';

export function CreateRoomForm() {
  const navigate = useNavigate();
  const [createRoom, { error, isLoading }] = useCreateRoomMutation();
  const onSubmit = async (name: string) => {
    const result = await createRoom({ name });
    if (result.data) navigate(`/chat/${result.data.roomId}`);
  };
  return (
    <RoomNameForm
      heading="Create Room"
      label="Enter new room name"
      action="Create"
      tone="primary"
      busy={isLoading}
      error={error}
      onSubmit={onSubmit}
    />
  );
}
