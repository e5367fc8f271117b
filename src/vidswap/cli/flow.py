"""`vidswap masks` and `vidswap swap`: the whole Swap flow from the command line, through
the SDK, against a server given by `--server` or one embedded in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from vidswap.cli import overlay
from vidswap.cli.app import app
from vidswap.cli.embedded import EmbeddedServer
from vidswap.cli.output import Reporter, coverage
from vidswap.cli.uploads import UploadCache
from vidswap.client import ApiError, Client, MaskInfo, MaskSelection, NotFoundError
from vidswap.errors import InvalidParameter

T = TypeVar("T")
MASK_NAMES = ("person", "object", "background")
COLUMNS = ("mask_id", "name", "area", "box", "file")  # box: x, y, width, height
UNKNOWN_IMAGE = 400032

Server = Annotated[
    str | None,
    typer.Option(
        envvar="VIDSWAP_SERVER",
        help="A PixVerse-compatible server (e.g. http://host:8000); default: embedded.",
    ),
]
ApiKey = Annotated[str | None, typer.Option(envvar="VIDSWAP_API_KEY", help="API key for --server.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
Keyframe = Annotated[int, typer.Option(min=1, help="Frame to pick masks on (1 = first).")]


@contextmanager
def connect(server: str | None, api_key: str | None, rep: Reporter) -> Iterator[Session]:
    if server:
        if not api_key:
            raise InvalidParameter("--server needs an API key: --api-key or VIDSWAP_API_KEY.")
        with Client(api_key=api_key, base_url=server) as client:
            yield Session(client, UploadCache(server, api_key))
        return
    embedded = EmbeddedServer()
    with rep.step("starting the embedded server"):
        base_url, key = embedded.start()
    try:
        with Client(api_key=key, base_url=base_url) as client:
            scope = f"embedded:{embedded.settings.data_dir.resolve()}"
            yield Session(client, UploadCache(scope, key))
    finally:
        embedded.close()


class Session:
    """A client and its upload cache; uploads a file once, again only if the server lost it."""

    def __init__(self, client: Client, cache: UploadCache) -> None:
        self.client, self.cache = client, cache

    def video(self, path: Path) -> int:
        return self.cache.get_or_upload(
            "media", path, lambda p: self.client.upload_media(p).media_id
        )

    def image(self, path: Path) -> int:
        return self.cache.get_or_upload("image", path, lambda p: self.client.upload_image(p).img_id)

    def fresh(self, files: dict[str, Path], call: Callable[[], T]) -> T:
        """`call`, run once more after forgetting `files` if the server no longer knows
        one of them (an unknown video is "not found", an unknown image "invalid img_id")."""
        try:
            return call()
        except ApiError as err:
            if not (isinstance(err, NotFoundError) or err.err_code == UNKNOWN_IMAGE):
                raise
            for kind, path in files.items():
                self.cache.forget(kind, path)
            return call()


@app.command()
def masks(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, mov).")],
    keyframe: Keyframe = 1,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Folder for the PNGs.")] = None,
    server: Server = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Find the masks on a keyframe: saves the keyframe, each mask and an overlay preview."""
    rep = Reporter(as_json)
    folder = out or Path(f"{video.stem}-masks")
    existing(video)
    with connect(server, api_key, rep) as session:
        with rep.step(f"uploading {video.name} and finding masks on frame {keyframe}"):
            selection = session.fresh({"media": video}, lambda: select(session, video, keyframe))
        with rep.step(f"saving them in {folder}"):
            rows = save_masks(session.client, selection, folder)
    rep.table(COLUMNS, rows)
    rep.finish(
        {
            "keyframe_id": selection.keyframe_id,
            "credits": selection.credits,
            "folder": str(folder),
            "masks": [dict(zip(COLUMNS, r, strict=True)) for r in rows],
        },
        [
            f"{len(rows)} masks in {folder} (preview: {folder / 'overlay.png'})",
            f"credits spent: {selection.credits}",
        ],
    )


def select(session: Session, video: Path, keyframe: int) -> MaskSelection:
    media_id = session.video(video)
    return session.client.select_masks(video_media_id=media_id, keyframe_id=keyframe)


def save_masks(client: Client, selection: MaskSelection, folder: Path) -> list[list[object]]:
    folder.mkdir(parents=True, exist_ok=True)
    keyframe = client.fetch(selection.keyframe_url)
    (folder / "keyframe.png").write_bytes(keyframe)
    rows: list[list[object]] = []
    drawn = []
    for n, info in enumerate(selection.mask_info, 1):
        png = client.fetch(info.mask_url)
        name = f"mask-{n}-{info.mask_name}.png"
        (folder / name).write_bytes(png)
        mask = overlay.decode_mask(png)
        shape = overlay.shape_of(mask)
        rows.append([info.mask_id, info.mask_name, f"{shape.area:.1%}", shape.box, name])
        drawn.append((f"{n} {info.mask_name}", mask))
    overlay.preview(keyframe, drawn).save(folder / "overlay.png")
    return rows


@app.command()
def swap(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, mov).")],
    image: Annotated[Path, typer.Argument(help="Image to swap in (png, jpeg, webp).")],
    mask: Annotated[
        str, typer.Option(help="person, object, background, or a mask_id from `vidswap masks`.")
    ] = "person",
    keyframe: Keyframe = 1,
    quality: Annotated[str, typer.Option(help="360p, 540p or 720p.")] = "720p",
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output MP4.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the result.")] = 1800.0,
    server: Server = None,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """Swap the masked subject (or the background) of VIDEO for IMAGE; saves the MP4."""
    rep = Reporter(as_json)
    target = out or Path(f"{video.stem}-swap.mp4")
    existing(video)
    existing(image)
    with connect(server, api_key, rep) as session:
        with rep.step(f"uploading {video.name} and {image.name}, choosing the {mask} mask"):
            files = {"media": video, "image": image}
            job, spent = session.fresh(
                files, lambda: start(session, video, image, mask, keyframe, quality)
            )
        with rep.generation() as update:
            result = session.client.wait(job, timeout=timeout, on_progress=update)
        with rep.step(f"downloading to {target}"):
            session.client.download(job, target)
    size = target.stat().st_size
    if result.coverage_note:
        rep.warn(result.coverage_note)
    rep.finish(
        {"video_id": job, "output": str(target), "size": size, "credits": spent,
         "width": result.outputWidth, "height": result.outputHeight,
         "swapped_frames": result.swapped_frames, "total_frames": result.total_frames,
         "coverage_note": result.coverage_note or ""},
        [str(target), f"{size / 1e6:.1f} MB, {result.outputWidth}x{result.outputHeight}",
         *coverage(result), f"credits spent: {spent}"],
    )  # fmt: skip


def start(
    session: Session, video: Path, image: Path, mask: str, keyframe: int, quality: str
) -> tuple[int, int]:
    """Uploads, picks the mask (a selection, unless given its id), starts the swap:
    (video_id, credits spent)."""
    media_id, img_id = session.video(video), session.image(image)
    spent, mask_id = 0, mask
    if mask in MASK_NAMES:
        selection = session.client.select_masks(video_media_id=media_id, keyframe_id=keyframe)
        spent += selection.credits
        mask_id = pick(selection, mask, keyframe).mask_id
    job = session.client.swap(
        img_id=img_id,
        video_media_id=media_id,
        quality=quality,
        keyframe_id=keyframe,
        mask_id=mask_id,
    )
    return job.video_id, spent + (job.credits or 0)


def pick(selection: MaskSelection, name: str, keyframe: int) -> MaskInfo:
    for info in selection.mask_info:
        if info.mask_name == name:
            return info
    found = ", ".join(sorted({m.mask_name for m in selection.mask_info})) or "nothing"
    raise InvalidParameter(
        f"No {name} found on frame {keyframe} (found: {found}). Try another --mask or "
        "--keyframe; `vidswap masks` shows what is there."
    )


def existing(path: Path) -> None:
    if not path.is_file():
        raise InvalidParameter(f"No such file: {path}")
