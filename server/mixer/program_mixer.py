#!/usr/bin/python3
"""The programme mixer of one live session: a live GStreamer pipeline, run from go-live to end.

RTP inputs (a stage camera, the interpreter, every microphone) are added and removed while it runs,
placed by a layout and muted on command; a live compositor and audiomixer produce frames and audio
on the clock whatever their inputs do (silent, paused, gone), so nothing downstream ever restarts.
The mix is encoded once per rendition and cut into MPEG-TS segments; the supervisor (Node) writes
the playlists from the segment events printed here.

Commands, one JSON object per line on stdin:
  {"op": "add", "id": "a1", "kind": "video"|"audio", "port": 40000, "payloadType": 101,
   "encoding": "VP8"|"VP9"|"H264"|"OPUS", "clockRate": 90000, "channels": 2}
  {"op": "remove", "id": "a1"}
  {"op": "layout", "video": {"a1": {"x": 0, "y": 0, "width": 640, "height": 360, "zorder": 1, "alpha": 1}}}
  {"op": "mute", "id": "a1", "muted": true}
  {"op": "stop"}
Events, one JSON object per line on stdout:
  {"ev": "ready"} | {"ev": "added", "id": ...} | {"ev": "removed", "id": ...}
  {"ev": "segment", "variant": "360p", "file": "seg_00012.ts", "duration": 1.0, "pdt": 1767225600000}
  {"ev": "error", "message": ...} | {"ev": "stopped"}
Configuration: one JSON argument, {"outDir", "renditions", "segmentSeconds", "startIndex": {variant: n},
"fps", "background"}.
"""
import json
import os
import sys
import threading
import time

import gi

gi.require_version('Gst', '1.0')
from gi.repository import GLib, Gst  # noqa: E402

VIDEO = {
    '720p': {'height': 720, 'bitrate': 1800},
    '360p': {'height': 360, 'bitrate': 550},
}
# Late-arriving inputs (jitter buffer + decoder) still make the frame they belong to.
MIX_LATENCY_NS = 300 * Gst.MSECOND
JITTER_MS = 150

RTP_VIDEO = {
    'VP8': ('rtpvp8depay', 'vp8dec'),
    'VP9': ('rtpvp9depay', 'vp9dec'),
    'H264': ('rtph264depay', 'avdec_h264'),
}


def emit(event):
    sys.stdout.write(json.dumps(event) + '\n')
    sys.stdout.flush()


def make(factory, **props):
    element = Gst.ElementFactory.make(factory, None)
    if element is None:
        raise RuntimeError(f'GStreamer element {factory} is not installed')
    for key, value in props.items():
        element.set_property(key.replace('_', '-'), value)
    return element


def chain(bin_, *elements):
    for element in elements:
        if element.get_parent() is None:
            bin_.add(element)
    for a, b in zip(elements, elements[1:]):
        if not a.link(b):
            raise RuntimeError(f'cannot link {a.get_name()} to {b.get_name()}')


class Mixer:
    def __init__(self, config):
        self.out_dir = config['outDir']
        self.renditions = config['renditions']
        self.segment_ns = int(config['segmentSeconds'] * Gst.SECOND)
        self.fps = int(config.get('fps', 25))
        self.start_index = config.get('startIndex', {})
        videos = [r for r in self.renditions if r != 'audio']
        self.height = max([VIDEO[r]['height'] for r in videos] or [360])
        self.width = self.height * 16 // 9
        self.inputs = {}
        self.opened = {}
        self.loop = GLib.MainLoop()
        self.pipeline = Gst.Pipeline.new('programme')
        self.stopping = False
        self._build(videos, config.get('background', 0xff1f2937))

    def _build(self, videos, background):
        p = self.pipeline
        self.compositor = make('compositor', background='black', latency=MIX_LATENCY_NS,
                               ignore_inactive_pads=True, start_time_selection='first')
        self.audiomixer = make('audiomixer', latency=MIX_LATENCY_NS, ignore_inactive_pads=True,
                               start_time_selection='first')
        # The backdrop and a silent bed: the clock runs (and segments come) with nobody on stage.
        bg = make('videotestsrc', is_live=True, pattern='solid-color', foreground_color=background)
        bg_caps = make('capsfilter', caps=Gst.Caps.from_string(
            f'video/x-raw,format=I420,width={self.width},height={self.height},framerate={self.fps}/1'))
        chain(p, bg, bg_caps)
        p.add(self.compositor)
        pad = self.compositor.request_pad_simple('sink_%u')
        pad.set_property('zorder', 0)
        bg_caps.get_static_pad('src').link(pad)
        silence = make('audiotestsrc', is_live=True, wave='silence', samplesperbuffer=960)
        silence_caps = make('capsfilter', caps=Gst.Caps.from_string('audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved'))
        chain(p, silence, silence_caps)
        p.add(self.audiomixer)
        silence_caps.get_static_pad('src').link(self.audiomixer.request_pad_simple('sink_%u'))

        out_caps = make('capsfilter', caps=Gst.Caps.from_string(
            f'video/x-raw,format=I420,width={self.width},height={self.height},framerate={self.fps}/1'))
        vtee = make('tee')
        chain(p, self.compositor, out_caps, vtee)
        a_caps = make('capsfilter', caps=Gst.Caps.from_string('audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved'))
        aconv = make('audioconvert')
        aenc = make('avenc_aac', bitrate=96000)
        aparse = make('aacparse')
        atee = make('tee')
        chain(p, self.audiomixer, a_caps, aconv, aenc, aparse, atee)

        gop = self.fps * max(1, self.segment_ns // Gst.SECOND)
        for variant in self.renditions:
            sink = make('splitmuxsink', name=f'split_{variant}', muxer=make('mpegtsmux'),
                        location=os.path.join(self.out_dir, variant, 'seg_%05d.ts'),
                        max_size_time=self.segment_ns, send_keyframe_requests=True,
                        start_index=int(self.start_index.get(variant, 0)), async_finalize=False)
            os.makedirs(os.path.join(self.out_dir, variant), exist_ok=True)
            p.add(sink)
            if variant != 'audio':
                spec = VIDEO[variant]
                q = make('queue', max_size_buffers=0, max_size_bytes=0, max_size_time=2 * Gst.SECOND, leaky='downstream')
                scale = make('videoscale', method='nearest-neighbour')
                caps = make('capsfilter', caps=Gst.Caps.from_string(
                    f'video/x-raw,width={spec["height"] * 16 // 9},height={spec["height"]}'))
                enc = make('x264enc', speed_preset='ultrafast', tune='zerolatency', bitrate=spec['bitrate'],
                           key_int_max=gop * 2, threads=1, vbv_buf_capacity=1000)
                profile = make('capsfilter', caps=Gst.Caps.from_string('video/x-h264,profile=main'))
                parse = make('h264parse', config_interval=-1)
                chain(p, q, scale, caps, enc, profile, parse)
                vtee.link(q)
                parse.link_pads('src', sink, 'video')
            aq = make('queue', max_size_buffers=0, max_size_bytes=0, max_size_time=2 * Gst.SECOND)
            p.add(aq)
            atee.link(aq)
            aq.link_pads('src', sink, 'audio_%u')
        if not videos:
            # Nothing consumes the mixed picture: let it go nowhere rather than block the tee.
            fake = make('fakesink', sync=False)
            p.add(fake)
            vtee.link(fake)

    # --- inputs -------------------------------------------------------------------------------
    def add(self, cmd):
        input_id = cmd['id']
        if input_id in self.inputs:
            return
        kind = cmd['kind']
        encoding = cmd['encoding'].upper()
        bin_ = Gst.Bin.new(f'input_{input_id}')
        caps = (f'application/x-rtp,media={kind},clock-rate={int(cmd["clockRate"])},'
                f'encoding-name={encoding},payload={int(cmd["payloadType"])}')
        src = make('udpsrc', address='127.0.0.1', port=int(cmd['port']), caps=Gst.Caps.from_string(caps))
        jitter = make('rtpjitterbuffer', latency=JITTER_MS, drop_on_latency=True)
        if kind == 'video':
            depay_name, dec_name = RTP_VIDEO[encoding]
            elements = [src, jitter, make(depay_name), make(dec_name), make('videoconvert'),
                        make('queue', max_size_buffers=3, leaky='downstream')]
            mixer = self.compositor
        else:
            elements = [src, jitter, make('rtpopusdepay'), make('opusdec', plc=True), make('audioconvert'),
                        make('audioresample'),
                        make('capsfilter', caps=Gst.Caps.from_string('audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved')),
                        make('queue', max_size_time=Gst.SECOND, max_size_buffers=0, max_size_bytes=0, leaky='downstream')]
            mixer = self.audiomixer
        chain(bin_, *elements)
        ghost = Gst.GhostPad.new('src', elements[-1].get_static_pad('src'))
        bin_.add_pad(ghost)
        self.pipeline.add(bin_)
        pad = mixer.request_pad_simple('sink_%u')
        if kind == 'video':
            pad.set_property('alpha', 0.0)
            pad.set_property('sizing-policy', 'keep-aspect-ratio')
        ghost.link(pad)
        bin_.sync_state_with_parent()
        self.inputs[input_id] = {'bin': bin_, 'pad': pad, 'kind': kind, 'mixer': mixer}
        emit({'ev': 'added', 'id': input_id})

    def remove(self, cmd):
        entry = self.inputs.pop(cmd['id'], None)
        if entry is None:
            return
        bin_, pad, mixer = entry['bin'], entry['pad'], entry['mixer']
        bin_.set_locked_state(True)
        bin_.set_state(Gst.State.NULL)
        ghost = bin_.get_static_pad('src')
        ghost.unlink(pad)
        mixer.release_request_pad(pad)
        self.pipeline.remove(bin_)
        emit({'ev': 'removed', 'id': cmd['id']})

    def layout(self, cmd):
        for input_id, box in cmd.get('video', {}).items():
            entry = self.inputs.get(input_id)
            if entry is None or entry['kind'] != 'video':
                continue
            pad = entry['pad']
            pad.set_property('xpos', int(box['x']))
            pad.set_property('ypos', int(box['y']))
            pad.set_property('width', int(box['width']))
            pad.set_property('height', int(box['height']))
            pad.set_property('zorder', int(box.get('zorder', 1)))
            pad.set_property('alpha', float(box.get('alpha', 1)))

    def mute(self, cmd):
        entry = self.inputs.get(cmd['id'])
        if entry is not None and entry['kind'] == 'audio':
            entry['pad'].set_property('mute', bool(cmd['muted']))

    def stop(self, _cmd=None):
        if self.stopping:
            return
        self.stopping = True
        # EOS from every source: the last segment of every rendition is closed and announced.
        self.pipeline.send_event(Gst.Event.new_eos())
        GLib.timeout_add_seconds(5, self._quit)

    def _quit(self):
        self.loop.quit()
        return False

    # --- the bus ------------------------------------------------------------------------------
    def _wall_at(self, running_time):
        clock = self.pipeline.get_clock()
        if clock is None:
            return time.time() * 1000
        now_running = clock.get_time() - self.pipeline.get_base_time()
        return time.time() * 1000 - (now_running - running_time) / 1e6

    def on_message(self, _bus, message):
        t = message.type
        if t == Gst.MessageType.ELEMENT:
            s = message.get_structure()
            name = s.get_name() if s else ''
            src = message.src.get_name() if message.src else ''
            if not src.startswith('split_'):
                return
            variant = src[len('split_'):]
            if name == 'splitmuxsink-fragment-opened':
                self.opened[variant] = (s.get_value('running-time'), self._wall_at(s.get_value('running-time')))
            elif name == 'splitmuxsink-fragment-closed':
                closed = s.get_value('running-time')
                opened_rt, pdt = self.opened.get(variant, (closed, self._wall_at(closed)))
                emit({'ev': 'segment', 'variant': variant, 'file': os.path.basename(s.get_value('location')),
                      'duration': max(0.0, (closed - opened_rt) / 1e9), 'pdt': round(pdt)})
        elif t == Gst.MessageType.EOS:
            self.loop.quit()
        elif t == Gst.MessageType.ERROR:
            err, debug = message.parse_error()
            source = message.src.get_name() if message.src else '?'
            # An input that fails (a broken stream from one publisher) must not take the programme down.
            for input_id, entry in list(self.inputs.items()):
                if message.src is not None and (message.src == entry['bin'] or entry['bin'].get_by_name(source) is message.src):
                    emit({'ev': 'error', 'message': f'input {input_id}: {err.message}'})
                    self.remove({'id': input_id})
                    return
            emit({'ev': 'error', 'message': f'{source}: {err.message}', 'debug': debug})
            self.loop.quit()
        elif t == Gst.MessageType.STATE_CHANGED and message.src == self.pipeline:
            _old, new, _pending = message.parse_state_changed()
            if new == Gst.State.PLAYING and not getattr(self, '_ready', False):
                self._ready = True
                emit({'ev': 'ready'})

    def on_command(self, line):
        try:
            cmd = json.loads(line)
            handler = {'add': self.add, 'remove': self.remove, 'layout': self.layout, 'mute': self.mute, 'stop': self.stop}.get(cmd.get('op'))
            if handler is None:
                raise ValueError(f'unknown op {cmd.get("op")!r}')
            handler(cmd)
        except Exception as error:  # a bad command is reported, the programme goes on
            emit({'ev': 'error', 'message': f'command failed: {error}', 'fatal': False})
        return False

    def run(self):
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect('message', self.on_message)
        self.pipeline.set_state(Gst.State.PLAYING)

        def read_stdin():
            for line in sys.stdin:
                if line.strip():
                    GLib.idle_add(self.on_command, line)
            # The supervisor went away: end the programme cleanly.
            GLib.idle_add(lambda: self.stop() or False)

        threading.Thread(target=read_stdin, daemon=True).start()
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        emit({'ev': 'stopped'})


def main():
    Gst.init(None)
    config = json.loads(sys.argv[1])
    Mixer(config).run()


if __name__ == '__main__':
    main()
