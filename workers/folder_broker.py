"""The embedded broker: kombu's filesystem transport, with messages that appear whole.

kombu 5.7 creates a message file under its final name and writes it afterwards, while a consumer in
another process (beat's child, another worker) may already move and read it: an empty read crashed
the worker and lost the message. Here a message is written under a name no consumer picks up
(``.part``), then renamed into place, which is atomic on one filesystem.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"
        with open(partial, "wb") as file:
            file.write(dumps(payload).encode())
        os.replace(partial, final)


class Transport(filesystem.Transport):
    Channel = Channel
