"""Chapter 3 exercises: choose the device, compare versions, measure a computer's speed.

In the notebook::

    from helpers.exercises import ch03 as exercises
    exercises.pick_device.check(pick_device)
    exercises.recent_enough.check(is_recent_enough)
    exercises.gflops.check(gflops)

The checks never import TensorFlow: the device lists they try are made of the same
``(name, device_type)`` records that ``tf.config.list_physical_devices()`` returns.
"""

from __future__ import annotations

import numbers
from collections import namedtuple

import numpy as np

from helpers.exercises._core import Exercise, Mistake, Wrong, call, describe

__all__ = ["pick_device", "recent_enough", "gflops"]

#: The shape of what ``tf.config.list_physical_devices()`` returns (TensorFlow's own
#: ``PhysicalDevice`` is a namedtuple with these two fields).
PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])


def _devices(*kinds: str) -> list:
    counts: dict[str, int] = {}
    found = []
    for kind in kinds:
        index = counts.get(kind, 0)
        counts[kind] = index + 1
        found.append(PhysicalDevice(f"/physical_device:{kind}:{index}", kind))
    return found


# 1 · Which device string to give tf.device ----------------------------------------------


def _pick_device(devices):
    for device in devices:
        if device.device_type == "GPU":
            return "/GPU:0"
    return "/CPU:0"


_DEVICE_CASES = [
    ("a laptop (one CPU, no GPU)", ("CPU",), "/CPU:0"),
    ("a Colab GPU runtime (one CPU, one GPU)", ("CPU", "GPU"), "/GPU:0"),
    ("a machine with two GPUs", ("CPU", "GPU", "GPU"), "/GPU:0"),
    ("an empty list (TensorFlow found nothing)", (), "/CPU:0"),
    # Colab's TPU runtime: several devices, none of them a GPU; a test on the number of
    # devices, or on "anything but a CPU", says GPU here and passes every case above
    ("a TPU runtime (one CPU and eight TPU cores, no GPU)", ("CPU",) + ("TPU",) * 8, "/CPU:0"),
]


def _normalised(device: str) -> str:
    """'/device:GPU:0', '/gpu:0' and 'GPU:0' all name the same device for tf.device."""
    text = device.strip().upper()
    for prefix in ("/DEVICE:", "/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def _pick_device_checker(answer) -> str:
    for where, kinds, expected in _DEVICE_CASES:
        got = call(answer, _devices(*kinds))
        if isinstance(got, (bool, np.bool_)):
            raise Wrong(
                f"on {where} your function returned {got}: that says whether there is a "
                "GPU; return the device string to give tf.device, '/GPU:0' or '/CPU:0'."
            )
        if not isinstance(got, str):
            raise Wrong(
                f"on {where} your function returned {describe(got)}; return a string, "
                "'/GPU:0' or '/CPU:0'."
            )
        if _normalised(got) == _normalised(expected):
            continue
        if got.startswith("/physical_device:"):
            raise Wrong(
                f"on {where} you returned {got!r}, the *physical* device's name; "
                "`tf.device` takes the short name, '/GPU:0' or '/CPU:0'."
            )
        if "GPU" not in kinds and "GPU" in got.upper() and len(kinds) > 1:
            raise Wrong(
                f"on {where} you returned {got!r}, but a TPU is not a GPU: this list has "
                f"{len(kinds)} devices and no GPU. Test each device's `device_type == 'GPU'`, "
                "not how many devices there are, nor whether one is not a CPU."
            )
        if "GPU" not in kinds and "GPU" in got.upper():
            raise Wrong(
                f"on {where} you returned {got!r}, but there is no GPU in this list: "
                "look at each device's `device_type` and fall back to '/CPU:0'."
            )
        if "GPU" in kinds and "CPU" in got.upper():
            raise Wrong(
                f"on {where} you returned {got!r} although the list holds a GPU "
                f"({kinds.count('GPU')}): use it, '/GPU:0'."
            )
        if "GPU" in got.upper():
            raise Wrong(
                f"on {where} you returned {got!r}; with several GPUs take the first "
                "one, '/GPU:0' (GPUs are counted from 0)."
            )
        raise Wrong(f"on {where} you returned {got!r}; expected {expected!r}.")
    return (
        "use it as `with tf.device(pick_device(tf.config.list_physical_devices())):` and "
        "the same code runs on a GPU where there is one and on the CPU elsewhere."
    )


def _always_gpu(devices):
    return "/GPU:0"


def _physical_name(devices):
    gpus = [device.name for device in devices if device.device_type == "GPU"]
    return gpus[0] if gpus else "/CPU:0"


def _has_gpu(devices):
    return any(device.device_type == "GPU" for device in devices)


def _last_gpu(devices):
    gpus = [device for device in devices if device.device_type == "GPU"]
    return f"/GPU:{len(gpus) - 1}" if gpus else "/CPU:0"


def _first_device(devices):
    return "/CPU:0" if not devices or devices[0].device_type == "CPU" else "/GPU:0"


def _more_than_one_device(devices):
    return "/GPU:0" if len(devices) > 1 else "/CPU:0"


def _anything_but_cpu(devices):
    return "/GPU:0" if any(device.device_type != "CPU" for device in devices) else "/CPU:0"


pick_device = Exercise(
    title="choose the device for tf.device from the list TensorFlow sees",
    expects="a function pick_device(devices) -> '/GPU:0' when the list holds a GPU, else '/CPU:0'",
    checker=_pick_device_checker,
    reference=_pick_device,
    hints=(
        "Each item of `tf.config.list_physical_devices()` has a `.device_type`: 'CPU', 'GPU', ...",
        "Loop over the devices; as soon as one has `device_type == 'GPU'`, return '/GPU:0'.",
        "After the loop (no GPU found), return '/CPU:0'.",
    ),
    mistakes=(
        Mistake(_always_gpu, "no gpu in this list"),
        Mistake(_physical_name, "physical"),
        Mistake(_has_gpu, "whether there is a gpu"),
        Mistake(_last_gpu, "take the first"),
        Mistake(_first_device, "although the list holds a gpu"),
        Mistake(_more_than_one_device, "not how many devices"),
        Mistake(_anything_but_cpu, "nor whether one is not a cpu"),
    ),
)


# 2 · Is a version recent enough? ---------------------------------------------------------


def _is_recent_enough(version, minimum):
    parts = tuple(int(part) for part in version.split(".")[:2])
    return parts >= tuple(minimum)


_VERSION_CASES = [
    ("2.16.1", (2, 16), True),
    ("2.21.0", (2, 16), True),
    ("2.9.3", (2, 16), False),
    ("2.15.0", (2, 16), False),
    ("1.15.5", (2, 16), False),
    ("3.0.0", (2, 16), True),
    ("2.16", (2, 16), True),
    ("10.1.0", (3, 0), True),
    ("3.15.1", (3, 0), True),
]


def _recent_checker(answer) -> str:
    wrong = []
    for version, minimum, expected in _VERSION_CASES:
        got = call(answer, version, minimum)
        if not isinstance(got, (bool, np.bool_)):
            raise Wrong(
                f"is_recent_enough({version!r}, {minimum}) returned {describe(got)}; "
                "return True or False."
            )
        if bool(got) != expected:
            wrong.append((version, minimum, expected))
    if not wrong:
        return (
            "compare versions as numbers, part by part, never as text: '2.9' comes after "
            "'2.16' in the alphabet but before it in time."
        )
    failed = {version for version, _, _ in wrong}
    if "2.9.3" in failed and "10.1.0" in failed:
        raise Wrong(
            "'2.9.3' passed and '10.1.0' failed: you compared text, character by "
            "character ('9' > '1'). Split at the dots and turn each part into an int."
        )
    if "2.9.3" in failed and "2.15.0" in failed:
        raise Wrong(
            "'2.9.3' and '2.15.0' passed for a minimum of (2, 16): you compared only the "
            "major number. Compare (major, minor) tuples: (2, 9) < (2, 16)."
        )
    if "2.16.1" in failed or "2.16" in failed:
        raise Wrong(
            "a version equal to the minimum (2.16) failed: the minimum itself is recent "
            "enough, so use >=, not >."
        )
    version, minimum, expected = wrong[0]
    raise Wrong(f"is_recent_enough({version!r}, {minimum}) should be {expected}.")


def _as_text(version, minimum):
    return version >= ".".join(str(part) for part in minimum)


def _major_only(version, minimum):
    return int(version.split(".")[0]) >= minimum[0]


def _strictly_newer(version, minimum):
    return tuple(int(part) for part in version.split(".")[:2]) > tuple(minimum)


recent_enough = Exercise(
    title="is this version recent enough?",
    expects="a function is_recent_enough(version, minimum) -> bool, e.g. "
    "is_recent_enough('2.21.0', (2, 16)) is True",
    checker=_recent_checker,
    reference=_is_recent_enough,
    hints=(
        "`'2.21.0'.split('.')` gives ['2', '21', '0'], a list of *strings*.",
        "Turn the first two parts into ints and make a tuple: (2, 21).",
        "Python compares tuples element by element: (2, 21) >= (2, 16) is True.",
    ),
    mistakes=(
        Mistake(_as_text, "compared text"),
        Mistake(_major_only, "only the major"),
        Mistake(_strictly_newer, "use >="),
    ),
)


# 3 · Speed of a matrix product in GFLOP/s ------------------------------------------------


def _gflops(n, seconds):
    operations = 2 * n**3  # n * n entries, each n multiplications and n additions
    return operations / seconds / 1e9


_SPEED_CASES = [(1000, 0.1), (1000, 0.004), (500, 0.02), (2048, 1.5)]


def _gflops_checker(answer) -> str:
    for n, seconds in _SPEED_CASES:
        got = call(answer, n, seconds)
        if isinstance(got, np.ndarray) and got.ndim == 0:
            got = got.item()
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Wrong(f"gflops({n}, {seconds}) returned {describe(got)}; return one number.")
        expected = _gflops(n, seconds)
        if np.isclose(got, expected, rtol=1e-6):
            continue
        where = f"gflops({n}, {seconds}) gave {got:.4g}, expected {expected:.4g}"
        if np.isclose(got, expected / 2, rtol=1e-6):
            raise Wrong(
                f"{where}: half. Each of the n**3 steps is a multiplication *and* an "
                "addition: count 2 * n**3 operations."
            )
        if np.isclose(got, expected * 1e9, rtol=1e-6):
            raise Wrong(
                f"{where}: that is in FLOP/s; one GFLOP is 1e9 operations, so divide by 1e9."
            )
        if np.isclose(got, 2 * n**3 * seconds / 1e9, rtol=1e-6):
            raise Wrong(
                f"{where}: you multiplied by the time; a speed is operations *per* "
                "second, so divide by it."
            )
        if np.isclose(got, 2 * n**2 / seconds / 1e9, rtol=1e-6):
            raise Wrong(
                f"{where}: 2 * n**2 counts one operation per entry of the result; each "
                "of the n * n entries needs n multiplications and n additions: 2 * n**3."
            )
        raise Wrong(f"{where}.")
    return (
        "the operations of the product divided by its time. Try it on the timing above, "
        "and on a Colab GPU runtime: the ratio of the two speeds is how much faster a "
        "U-Net's convolutions (mostly such products) can train there."
    )


def _half_count(n, seconds):
    return n**3 / seconds / 1e9


def _in_flops(n, seconds):
    return 2 * n**3 / seconds


def _times_seconds(n, seconds):
    return 2 * n**3 * seconds / 1e9


def _per_entry(n, seconds):
    return 2 * n**2 / seconds / 1e9


gflops = Exercise(
    title="how fast was the matrix product?",
    expects="a function gflops(n, seconds) -> float: the speed of an n x n by n x n matrix "
    "product that took `seconds`, in billions of operations per second",
    checker=_gflops_checker,
    reference=_gflops,
    hints=(
        "The product has n * n entries; each is a sum of n products: n multiplications and "
        "n additions.",
        "So the whole product is 2 * n**3 operations (FLOP).",
        "Speed = operations / seconds; GFLOP/s divides that by 1e9.",
    ),
    mistakes=(
        Mistake(_half_count, "half"),
        Mistake(_in_flops, "divide by 1e9"),
        Mistake(_times_seconds, "multiplied by the time"),
        Mistake(_per_entry, "each of the n * n entries"),
    ),
)
