import { useNavigate } from 'react-router';
import { RoomNameForm } from './RoomNameForm.tsx';
import { roomPath } from './roomLinks.ts';
import { useJoinRoomByNameMutation } from './roomsApi.ts';

export function JoinRoomForm() {
  const navigate = useNavigate();
  const [join, { error, isLoading }] = useJoinRoomByNameMutation();
  const onSubmit = async (name: string) => {
    // Joining never creates here: an unknown name answers 404, and its message is shown.
    const result = await join({ name, create: false });
    if (result.data) navigate(roomPath(result.data.room));
  };
  return (
    <RoomNameForm
      heading="or join room"
      label="Enter existing room name"
      action="Join"
      tone="success"
      busy={isLoading}
      error={error}
      onSubmit={onSubmit}
    />
  );
}
