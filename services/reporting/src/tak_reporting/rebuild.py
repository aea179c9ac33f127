"""Rebuild reporting's tables from the stream into a database (docs/architecture.md, read side).

``python -m tak_reporting.rebuild --into <database URL>`` replays the whole stream from its
first message with an ordered consumer and applies it exactly as the live consumer does, so
the result must equal the live read models; an auditor or operator compares the two. It reads
the NATS servers from ``--nats-url`` or ``TAK_NATS_URL`` (comma-separated for a cluster).
"""

from __future__ import annotations

import argparse
import asyncio
import os

import asyncpg

from tak_platform.nats import connect
from tak_reporting.consumer import raw
from tak_reporting.projections.store import RawMessage, apply_batch, create_schema

REBUILD_CONSUMER = "rebuild"


async def rebuild(
    nats_url: str, stream: str, subject_filter: str, database_url: str, batch_size: int = 1000
) -> int:
    """Replay the stream into ``database_url``; returns the last stream sequence applied."""
    nc = await connect(nats_url, "tak-reporting-rebuild", keep_trying=False)
    conn = await asyncpg.connect(database_url)
    try:
        await create_schema(conn)
        js = nc.jetstream()
        last = (await js.stream_info(stream)).state.last_seq
        sub = await js.subscribe(subject_filter, stream=stream, ordered_consumer=True)
        batch: list[RawMessage] = []
        applied_to = 0
        while applied_to < last:
            msg = await sub.next_msg(timeout=10)
            batch.append(raw(msg))
            if len(batch) >= batch_size or batch[-1].stream_sequence >= last:
                await apply_batch(conn, REBUILD_CONSUMER, batch)
                applied_to, batch = batch[-1].stream_sequence, []
        await sub.unsubscribe()
        return applied_to
    finally:
        await conn.close()
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    nats_url = os.environ.get("TAK_NATS_URL")
    parser.add_argument("--nats-url", default=nats_url, required=nats_url is None)
    parser.add_argument("--stream", default="TAK")
    parser.add_argument("--subjects", default="tak.>")
    parser.add_argument("--into", required=True, help="URL of an empty database")
    args = parser.parse_args()
    last = asyncio.run(rebuild(args.nats_url, args.stream, args.subjects, args.into))
    print(f"rebuilt up to stream sequence {last}")


if __name__ == "__main__":
    main()
