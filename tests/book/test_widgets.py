"""nnbook.widgets: explorables whose figure follows the controls without a kernel.

What is checked here, without a browser: the grids the controls accept, the bound on
frames, that every frame is stored (WebP, 100 dpi, the figure's own size, white), that
the Stacks are nested and linked so that the browser shows the frame of the values on
display, that the links are in the widget state a static page is built from, and that
in a kernel the observer redraws. tests/book/test_browser.py moves the controls in Chromium.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import re
import shutil
import subprocess
import textwrap
import threading

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from _helpers import CHROMIUM, REPO, requires_chromium
from ipywidgets.embed import embed_data
from ipywidgets.widgets.widget_link import DirectionalLink
from PIL import Image

from nnbook.widgets import (
    MAX_FRAMES,
    Explorable,
    as_control,
    explorable,
    render_frame,
)

FIGSIZE = (1.6, 1.2)  # small frames: the tests draw many


def draw(a, b=0.0):
    """A frame that differs for every (a, b): a line of slope a, offset b."""
    fig, ax = plt.subplots(figsize=FIGSIZE)
    x = np.linspace(0, 1, 11)
    ax.plot(x, a * x + b)
    ax.set(ylim=(-3, 3), title=f"{a} {b}")
    return fig


def options_values(control) -> list:
    return list(control._options_values)


# --- grids ------------------------------------------------------------------------------


def test_list_of_numbers_is_a_slider_over_those_values():
    control = as_control("a", [1, 2.5, 4])
    assert isinstance(control, widgets.SelectionSlider)
    assert options_values(control) == [1, 2.5, 4]
    assert [label for label, _ in control.options] == ["1", "2.5", "4"]
    assert control.index == 0 and control.description == "a"


def test_tuple_is_start_stop_step_with_stop_included_and_clean_floats():
    control = as_control("x", (0.0, 1.0, 0.1))
    values = options_values(control)
    assert len(values) == 11
    assert values[3] == 0.3  # not 0.30000000000000004
    assert values[-1] == 1.0
    assert options_values(as_control("n", (1, 9, 2))) == [1, 3, 5, 7, 9]
    assert all(isinstance(v, int) for v in options_values(as_control("n", (1, 9, 2))))


def test_dict_is_a_dropdown_of_labels_and_other_lists_are_dropdowns():
    control = as_control("act", {"ReLU": np.abs, "tanh": np.tanh})
    assert isinstance(control, widgets.Dropdown)
    assert [label for label, _ in control.options] == ["ReLU", "tanh"]
    assert options_values(control) == [np.abs, np.tanh]
    words = as_control("mode", ["train", "eval"])
    assert isinstance(words, widgets.Dropdown)
    assert options_values(words) == ["train", "eval"]


def test_arrays_sliders_and_selection_widgets():
    assert options_values(as_control("z", np.linspace(0, 1, 5))) == [0, 0.25, 0.5, 0.75, 1]
    slider = as_control("k", widgets.IntSlider(min=2, max=6, step=2, value=4))
    assert isinstance(slider, widgets.SelectionSlider)
    assert options_values(slider) == [2, 4, 6] and slider.index == 1
    floats = as_control("t", widgets.FloatSlider(min=0, max=0.5, step=0.25, value=0.5))
    assert options_values(floats) == [0, 0.25, 0.5] and floats.index == 2
    given = widgets.ToggleButtons(options=["a", "b"])
    kept = as_control("g", given, label="group")
    assert kept is given and kept.description == "group"


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ((0, 1), TypeError, r"tuple is a grid \(start, stop, step\).*got \(0, 1\)"),
        ((0, 1, 0.3), ValueError, r"not a whole number"),
        ((0, 1, 0), ValueError, r"step > 0"),
        ((1, 0, 0.5), ValueError, r"start <= stop"),
        ((0, float("inf"), 1), ValueError, r"finite"),
        ([], ValueError, r"at least one value, got none"),
        ([1, 1.0000000001], ValueError, r"values 0 and 1 both read '1'"),
        (3.0, TypeError, r"expected a list of values.*got float 3.0"),
        ("abc", TypeError, r"got str 'abc'"),
        (np.zeros((2, 2)), ValueError, r"1-D array, got shape \(2, 2\)"),
    ],
)
def test_bad_grids_name_the_control_and_what_was_expected(spec, error, match):
    with pytest.raises(error, match=match) as info:
        as_control("w", spec)
    assert "control 'w'" in str(info.value)


# --- frames -----------------------------------------------------------------------------


def test_frame_count_above_the_bound_says_how_many_the_grid_asks_for():
    with pytest.raises(ValueError, match=r"asks for 200 frames, more than max_frames=150"):
        explorable(draw, a=list(range(20)), b=list(range(10)))
    assert MAX_FRAMES == 150
    with pytest.raises(ValueError, match=r"a \(4 values\) × b \(3 values\) asks for 12 frames"):
        explorable(draw, a=[1, 2, 3, 4], b=[0, 1, 2], max_frames=10)
    assert plt.get_fignums() == []  # nothing drawn before the bound is checked


def test_max_frames_is_configurable():
    widget = explorable(draw, a=[0, 1, 2], b=[0, 1], max_frames=6)
    assert widget.frame_count == 6 and len(widget.frames) == 6
    assert plt.get_fignums() == []  # every figure drawn for a frame is closed


def test_frames_are_webp_at_100_dpi_full_size_white_and_all_different():
    widget = explorable(draw, a=[-1, 0, 1], b=[0.0, 1.0])
    blobs = [image.value for image in widget.frames.values()]
    assert len(set(blobs)) == len(blobs) == 6, "two grid points stored the same frame"
    for blob in blobs:
        assert blob[:4] == b"RIFF" and blob[8:12] == b"WEBP"
        picture = Image.open(io.BytesIO(blob)).convert("RGB")
        # no tight bounding box: the figure's own size at 100 dpi, the same for every frame
        assert picture.size == (round(FIGSIZE[0] * 100), round(FIGSIZE[1] * 100))
        assert min(picture.getpixel((0, 0))) >= 250, "the background is not white"
    assert widget.frame_bytes == sum(map(len, blobs))
    assert all(image.format == "webp" for image in widget.frames.values())
    # each frame is the drawing of its own values
    assert widget.frames[(2, 1)].value == render_frame(draw, {"a": 1, "b": 1.0})
    assert widget.frames[(2, 1)].value != render_frame(draw, {"a": 1, "b": 0.0})


def test_stacks_nest_fewest_values_outermost_and_links_feed_selected_index():
    widget = explorable(draw, a=[-1, 0, 1, 2], b=[0.0, 1.0])  # b has fewer values
    outer = widget.view
    assert isinstance(outer, widgets.Stack) and len(outer.children) == 2
    assert len(widget.stacks) == 1 + 2 and len(widget.links) == 3
    for link in widget.links:
        assert isinstance(link, DirectionalLink)
        assert link.source[1] == "index" and link.target[1] == "selected_index"
    assert widget.stacks[0] is outer
    assert widget.links[0].source[0] is widget.controls["b"]
    assert widget.links[0].target[0] is outer
    assert [link.target[0] for link in widget.links] == widget.stacks
    inner_links = {id(link.target[0]): link.source[0] for link in widget.links[1:]}
    for inner in outer.children:
        assert inner_links[id(inner)] is widget.controls["a"]
    # the path the Stacks select is the frame of those values
    for (i, j), frame in widget.frames.items():
        assert outer.children[j].children[i] is frame
        assert f"nnbook-frame-{i}-{j}" in frame._dom_classes


def test_selected_indices_follow_the_initial_values():
    widget = explorable(draw, a=[-1, 0, 1], b=[0.0, 1.0], initial={"a": 1, "b": 1.0})
    assert widget.key == (2, 1) and widget.values == {"a": 1, "b": 1.0}
    assert widget.view.selected_index == 1
    assert widget.view.children[1].selected_index == 2
    assert widget.frame is widget.frames[(2, 1)]
    with pytest.raises(ValueError, match=r"initial value of 'a': expected one of"):
        explorable(draw, a=[-1, 0, 1], initial={"a": 5})
    with pytest.raises(TypeError, match=r"initial names \['c'\], which are not controls"):
        explorable(draw, a=[-1, 0, 1], initial={"c": 5})


def test_links_and_frames_are_in_the_widget_state_a_static_page_stores():
    widget = explorable(draw, a=[0, 1], b=[0.0, 1.0, 2.0])
    # the state of every live widget, as nbclient stores it with the notebook
    state = embed_data(views=[widget])["manager_state"]["state"]
    ours = {f"IPY_MODEL_{w.model_id}" for w in [*widget.controls.values(), *widget.stacks]}
    links = [
        model["state"]
        for model in state.values()
        if model["model_name"] == "DirectionalLinkModel" and model["state"]["target"][0] in ours
    ]
    assert len(links) == len(widget.links) == 1 + 2
    assert {tuple(link["source"]) for link in links} == {
        (f"IPY_MODEL_{widget.controls[name].model_id}", "index") for name in ("a", "b")
    }
    assert all(link["target"][1] == "selected_index" for link in links)
    for image in widget.frames.values():
        assert state[image.model_id]["model_name"] == "ImageModel"


def test_every_control_has_a_description_and_classes_for_css_and_tests():
    widget = explorable(draw, a=[0, 1], b={"zero": 0.0, "one": 1.0}, labels={"a": "slope a"})
    assert widget.controls["a"].description == "slope a"
    assert widget.controls["b"].description == "b"
    for name, control in widget.controls.items():
        assert {"nnbook-control", f"nnbook-control-{name}"} <= set(control._dom_classes)
    assert "nnbook-explorable" in widget._dom_classes
    assert list(widget.children[:2]) == [widget.controls["a"], widget.controls["b"]]
    assert widget.children[2] is widget.view


def test_text_output_is_stable_for_nbval():
    widget = explorable(draw, a=[0, 1, 2], b=[0.0, 1.0])
    text = widget._repr_mimebundle_()["text/plain"]
    assert text == "Explorable(draw: a (3) × b (2) = 6 frames)"
    assert not re.search(r"0x[0-9a-f]+|model_id", text)


# --- the observer (a kernel) ------------------------------------------------------------


def test_observer_redraws_the_frame_on_view_from_the_function():
    state = {"offset": 0.0}

    def shifted(a):
        return draw(a, state["offset"])

    widget = explorable(shifted, a=[0, 1, 2])
    stored = {key: image.value for key, image in widget.frames.items()}
    state["offset"] = 2.0  # the reader edits what the figure reads, in another cell
    widget.controls["a"].index = 1
    assert widget.redraws == 1
    assert widget.frames[(1,)].value == render_frame(draw, {"a": 1, "b": 2.0})
    assert widget.frames[(1,)].value != stored[(1,)]
    assert widget.frames[(0,)].value == stored[(0,)]  # only the frame on view


def test_without_live_nothing_is_redrawn():
    widget = explorable(draw, a=[0, 1], live=False)
    before = widget.frames[(1,)].value
    widget.controls["a"].index = 1
    assert widget.redraws == 0 and widget.frames[(1,)].value == before


# --- the figure function ----------------------------------------------------------------


def test_render_frame_accepts_an_axes_or_one_open_figure_and_closes_it():
    def returns_axes(a):
        return draw(a).axes[0]

    def leaves_open(a):
        draw(a)
        plt.show()  # silenced while a frame is drawn

    expected = render_frame(draw, {"a": 1})
    assert render_frame(returns_axes, {"a": 1}) == expected
    assert render_frame(leaves_open, {"a": 1}) == expected
    assert plt.get_fignums() == []


def test_render_frame_errors_name_the_function_and_the_values():
    def nothing(a):
        return a

    def two(a):
        plt.figure()
        plt.figure()

    def broken(a):
        raise ZeroDivisionError("boom")

    with pytest.raises(ValueError, match=r"nothing\(a=1\) returned int and opened 0 figures"):
        render_frame(nothing, {"a": 1})
    with pytest.raises(ValueError, match=r"opened 2 figures"):
        render_frame(two, {"a": 1})
    with pytest.raises(ZeroDivisionError) as info:
        explorable(broken, a=[0.5])
    assert "while drawing the frame broken(a=0.5)" in info.value.__notes__
    assert plt.get_fignums() == []


def test_bad_figure_functions_and_options():
    def uses_option_name(a, labels):
        return draw(a)

    with pytest.raises(TypeError, match=r"parameters \['labels'\].*options"):
        explorable(uses_option_name, a=[0, 1])
    with pytest.raises(TypeError, match=r"expected a callable figure function, got int"):
        Explorable(3, {"a": [0, 1]})
    with pytest.raises(TypeError, match=r"at least one control, got none"):
        explorable(draw)
    with pytest.raises(ValueError, match=r"max_frames: expected a positive integer, got 0"):
        explorable(draw, a=[0, 1], max_frames=0)


# --- the static page's fonts ------------------------------------------------------------


def test_widget_manager_fonts_resolve_to_the_vendored_copy():
    """The module that asks for the icon fonts is mapped next to them (no 404)."""
    vendor = REPO / "book/_offline/vendor/html-manager"
    script = (REPO / "book/_offline/js/widgets-offline.js").read_text()
    paths = dict(re.findall(r'"(@jupyter-widgets[^"]*)"\s*:\s*site \+ "([^"]+)"', script))
    assert paths.get("@jupyter-widgets") == "vendor/html-manager", paths
    bundle = (vendor / "embed-amd.js").read_text()
    start = bundle.index('define("@jupyter-widgets/html-manager"')
    end = bundle.index('define("@jupyter-widgets/html-manager/dist/libembed-amd"')
    fonts = set(re.findall(r'n\.p\+"([0-9a-f]{20}\.woff2?)"', bundle[start:end]))
    assert fonts, "no icon font found in the @jupyter-widgets/html-manager module"
    missing = sorted(font for font in fonts if not (vendor / font).exists())
    assert not missing, f"fonts the widget manager asks for but the book lacks: {missing}"


@pytest.mark.browser
@requires_chromium
def test_a_page_without_math_fetches_only_the_books_own_files(tmp_path):
    """A widget page laid out as the built book: no 404, icon fonts from vendor/."""
    site = tmp_path / "html"
    shutil.copytree(REPO / "book/_offline", site)
    button = widgets.Button(description="ok", icon="check")  # an icon: the fonts load
    widget = explorable(draw, a=[0, 1])
    data = embed_data(views=[button, widget])
    views = "".join(
        f'<script type="application/vnd.jupyter.widget-view+json">{json.dumps(v)}</script>'
        for v in data["view_specs"]
    )
    (site / "book").mkdir()
    (site / "book/page.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<script defer src="../js/widgets-offline.js"></script>'
        "</head><body><p>No math.</p>"
        '<script type="application/vnd.jupyter.widget-state+json">'
        f"{json.dumps(data['manager_state'])}</script>{views}</body></html>"
    )
    requests: list[tuple[str, int]] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            requests.append((self.path, int(code)))

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dom = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=8000",
                "--dump-dom",
                f"http://127.0.0.1:{server.server_address[1]}/book/page.html",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    finally:
        server.shutdown()
    assert "nnbook-frame-1" in dom and "fa-check" in dom, "the widgets did not render"
    failed = [(path, code) for path, code in requests if code >= 400]
    assert not failed, f"requests that failed: {failed}"
    fonts = [path for path, _ in requests if path.endswith((".woff", ".woff2", ".ttf"))]
    assert fonts and all(path.startswith("/vendor/html-manager/") for path in fonts), fonts


# --- the documented example and a real kernel -------------------------------------------


def test_the_module_docstring_example_runs_as_documented():
    import nnbook.widgets

    doc = nnbook.widgets.__doc__
    block = doc.split("Example, for a chapter (copy it, then change the drawing and the grids)::")[
        1
    ]
    code = block.split("That asks for")[0]
    namespace: dict = {}
    exec(compile(textwrap.dedent(code), "<explorable example>", "exec"), namespace)
    widget = namespace["draw"] and eval(  # the example's last expression, as a cell shows it
        textwrap.dedent(code).strip().split("\n\n\n")[-1], namespace
    )
    assert isinstance(widget, Explorable)
    assert widget.frame_count == 3 * 17 == len(widget.frames)
    assert widget.controls["z0"].description == "z₀"
    assert isinstance(widget.controls["activation"], widgets.Dropdown)


KERNEL_NOTEBOOK = [
    "from nnbook.widgets import explorable\n"
    "import matplotlib.pyplot as plt\n"
    "offset = 0.0\n"
    "def draw(a):\n"
    "    fig, ax = plt.subplots(figsize=(1.6, 1.2))\n"
    "    ax.plot([0, 1], [offset, a + offset])\n"
    "    ax.set_ylim(-1, 6)\n"
    "    return fig\n"
    "w = explorable(draw, a=[0, 1, 2])\n"
    "w",
    "before = w.frames[(1,)].value\n"
    "offset = 3.0\n"
    "w.controls['a'].index = 1\n"
    "print(w.redraws, w.values, w.frames[(1,)].value != before)",
]


@pytest.mark.slow
def test_in_a_kernel_moving_a_control_redraws_and_the_output_is_stable():
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in KERNEL_NOTEBOOK]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    )
    client.execute(env={**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"})
    shown = notebook.cells[0].outputs[0]["data"]
    assert shown["text/plain"] == "Explorable(draw: a (3) = 3 frames)"
    assert "application/vnd.jupyter.widget-view+json" in shown
    assert notebook.cells[1].outputs[0]["text"] == "1 {'a': 1} True\n"
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    names = [model["model_name"] for model in state.values()]
    assert names.count("DirectionalLinkModel") == 1 and names.count("ImageModel") == 3
