"""Export small PyTorch checkpoints and safetensors files for the weight-IO tests of @rcnn/core.

Run: /usr/bin/python3 tools/reference/weights.py
Writes packages/core/test/fixtures/weights/: a state dict saved by torch.save in the zip and the
legacy formats, a nested training checkpoint, a checkpoint holding a disallowed global, a
safetensors file written from the format's specification, and the expected values as JSON.
"""
import collections
import json
import os
import struct

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'core', 'test', 'fixtures', 'weights')
torch.manual_seed(0)


def state_dict():
    sd = collections.OrderedDict()
    sd['conv.weight'] = torch.randn(4, 3, 3, 3)
    sd['conv.bias'] = torch.randn(4)
    sd['fc.weight'] = torch.randn(5, 8)
    sd['half'] = torch.randn(3, 2).half()
    sd['bf16'] = torch.randn(4).bfloat16()
    sd['double'] = torch.randn(2, 2, dtype=torch.float64)
    sd['long'] = torch.tensor([-3, 0, 2**40], dtype=torch.int64)
    sd['int8'] = torch.tensor([-128, -1, 0, 127], dtype=torch.int8)
    sd['bool'] = torch.tensor([True, False, True])
    big = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    sd['big'] = big
    sd['transposed'] = big.t()  # a strided view of big's storage
    sd['sliced'] = big[1:]  # an offset view of big's storage
    sd['bn.num_batches_tracked'] = torch.tensor(7)
    sd['scalar'] = torch.tensor(2.5)
    sd['param'] = torch.nn.Parameter(torch.randn(2, 3))
    return sd


def describe(sd):
    out = {}
    for k, v in sd.items():
        v = v.detach()
        values = v.float().flatten().tolist() if v.is_floating_point() else v.flatten().tolist()
        out[k] = {'dtype': str(v.dtype).replace('torch.', ''), 'shape': list(v.shape), 'values': values}
    return out


class Evil:
    def __reduce__(self):
        return (os.system, ('echo this must never run',))


def write_safetensors(path, tensors, metadata):
    codes = {torch.float32: 'F32', torch.float16: 'F16', torch.int64: 'I64', torch.uint8: 'U8'}
    header = {'__metadata__': metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        raw = t.contiguous().numpy().tobytes()
        header[name] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    os.makedirs(OUT, exist_ok=True)
    sd = state_dict()
    torch.save(sd, os.path.join(OUT, 'tiny_state_dict.pth'))
    torch.save(sd, os.path.join(OUT, 'tiny_state_dict_legacy.pth'), _use_new_zipfile_serialization=False)
    checkpoint = {'model': sd, 'epoch': 3, 'optimizer': {'lr': 0.1, 'betas': (0.9, 0.999)}, 'name': 'tiny', 'tag': b'abc'}
    torch.save(checkpoint, os.path.join(OUT, 'tiny_checkpoint.pth'))
    torch.save({'weight': torch.ones(2), 'payload': Evil()}, os.path.join(OUT, 'disallowed_global.pth'))
    st = collections.OrderedDict()
    st['a.weight'] = torch.randn(3, 2)
    st['b.half'] = torch.randn(5).half()
    st['c.ids'] = torch.tensor([1, -2, 3], dtype=torch.int64)
    st['d.bytes'] = torch.tensor([1, 2, 250], dtype=torch.uint8)
    write_safetensors(os.path.join(OUT, 'tiny.safetensors'), st, {'producer': 'tools/reference/weights.py'})
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump({'state_dict': describe(sd), 'safetensors': describe(st)}, f)


if __name__ == '__main__':
    main()
