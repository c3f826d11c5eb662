"""Expression cases replayed against DynamoDB by record.py (see there).

Placeholders: each case gets only the entries of V/N its expression mentions (so that
DynamoDB's unused-placeholder check does not fire), unless it sets names/values itself.
Binary values are base64 strings, as on the wire.
"""
import re

V = {
    ':v': {'S': 'x'}, ':e': {'S': ''}, ':ab': {'S': 'ab'}, ':el': {'S': 'él'},
    ':n': {'N': '1'}, ':n2': {'N': '2'}, ':n5': {'N': '5'}, ':n15': {'N': '1.5'},
    ':big': {'N': '9E+125'}, ':prec': {'N': '1E+38'}, ':tiny': {'N': '1.1E-130'},
    ':b': {'B': 'YWI='}, ':b1': {'B': 'AQ=='}, ':b23': {'B': 'AgM='},
    ':ss': {'SS': ['a', 'b']}, ':ssx': {'SS': ['x']}, ':ns': {'NS': ['1', '2']}, ':bs': {'BS': ['YQ==']},
    ':m': {'M': {'x': {'S': 'y'}}}, ':l': {'L': [{'S': 'a'}, {'N': '1'}]}, ':l0': {'L': []},
    ':null': {'NULL': True}, ':t': {'BOOL': True}, ':f': {'BOOL': False},
    ':S': {'S': 'S'}, ':N': {'S': 'N'}, ':SS': {'S': 'SS'}, ':L': {'S': 'L'}, ':M': {'S': 'M'},
    ':NULL': {'S': 'NULL'}, ':BOOL': {'S': 'BOOL'}, ':B': {'S': 'B'}, ':NS': {'S': 'NS'}, ':x': {'S': 'x'},
}
N = {'#n': 'a', '#b': 'b', '#dot': 'a.b', '#name': 'name', '#s': 's', '#l': 'l'}

ITEM = {
    's': {'S': 'héllo'}, 'e': {'S': ''}, 'x': {'S': 'x'}, 'emo': {'S': 'a\U0001F600'}, 'big': {'S': '\uffff'},
    'n': {'N': '5'}, 'n1': {'N': '1'}, 'b': {'B': 'AQID'},
    'ss': {'SS': ['x', 'a']}, 'ns': {'NS': ['1', '2']}, 'bs': {'BS': ['AQI=', 'Aw==']},
    'm': {'M': {'x': {'S': 'y'}, 'n': {'N': '1'}, 'l': {'L': [{'N': '1'}]}}},
    'l': {'L': [{'S': 'x'}, {'N': '1'}, {'M': {'x': {'S': 'y'}}}, {'SS': ['a', 'b']}]},
    'nul': {'NULL': True}, 't': {'BOOL': True},
}
LIST_ITEM = {'l': {'L': [{'S': 'a'}, {'S': 'b'}, {'S': 'c'}, {'S': 'd'}]}, 'm': {'M': {'x': {'S': 'y'}}},
             's': {'S': 'x'}, 'n': {'N': '5'}, 'ss': {'SS': ['a', 'b']}}
PROJ_ITEM = {
    'a': {'M': {'b': {'L': [{'S': 'x'}, {'S': 'y'}, {'S': 'z'}]}, 'c': {'N': '1'}}},
    'l': {'L': [{'M': {'p': {'N': '1'}, 'q': {'N': '2'}}}, {'M': {'p': {'N': '3'}}}, {'L': [{'N': '7'}, {'N': '8'}]}]},
    's': {'S': 'v'}, 'x': {'N': '1'}, 'a.b': {'S': 'dotted'},
}


def pick(table, expr, sigil):
    used = set(re.findall(re.escape(sigil) + r'[A-Za-z0-9_]+', expr))
    sub = {k: v for k, v in table.items() if k in used}
    return sub or None


def mk(mode, exprs, item=None):
    out = []
    for e in exprs.strip('\n').split('\n'):
        if not e or e.startswith('//'):
            continue
        out.append({'mode': mode, 'expr': e, 'names': pick(N, e, '#'),
                    'values': None if mode == 'proj' else pick(V, e, ':'), 'item': item})
    return out


CASES = []

# ---- condition syntax errors: token / near rendering ----
CASES += mk('cond', r'''
a =
a = = :v
a $ b
(a = :v
a = :v)
a = :v AND
a = :v OR
NOT
NOT NOT
a
:v
AND
()
(
)
a IN ()
a IN (:v,)
a IN (:v :v)
a IN :v
a IN (:v
a BETWEEN :n
a BETWEEN :n :n2
a BETWEEN :n OR :n2
a = :v extra
a[x] = :v
a[-1] = :v
a.1 = :v
1 = :v
12 = :v
1a = :v
1.5 = :v
_a = :v
a-b = :v
a < :v < :v
a   =   =   :v
  = :v
a = :v    )   
((a = :v)
a = :v AND (b = :v
a = :v AND ()
attribute_exists(a
attribute_exists()
size() = :n
begins_with a
begins_with(a :v)
begins_with(a,, :v)
begins_with(a, :v
a = :v a = :v
a = :v (b = :v)
a.b.
a..b = :v
a[0 = :v
a[] = :v
a] = :v
[0] = :v
a[0]b = :v
a[0].[1] = :v
:v[0] = :v
:v.a = :v
aé = :v
é = :v
a = :v $$ b
a + :v = :v
a = :v + :v
a == :v
a != :v
a ! :v
a < = :v
a =< :v
a >< :v
a = "x"
a = 'x'
a = :v;
a = :v,
a[1a] = :v
a[1.5] = :v
# n = :v
: v = :v
a = #
a = :
a = ::v
a = :v:v
a = :v#n
#n#n = :v
a{ = :v
a\ = :v
and = :v
a = :v AND in = :v
between = :v
set = :v
remove = :v
a.remove = :v
a.and = :v
(a = :v) = :v
(a OR b = :v)
(a
(a)
(a) AND b = :v
(a = :v AND (b)) = :v
a = size(b) + :n
a[02147483647] = :v
a[0000000000000000000000000001] = :v
a = :v AND = AND ((a)) = :v
name = = :v
''')
CASES += [{'mode': 'cond', 'expr': e, 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None}
          for e in ['', ' ', 'a = :v\fAND b = :v', 'a = :v\t\nAND\rb = :v', 'a = :v\u00a0AND b = :v']]

# ---- condition semantic errors and their order ----
CASES += mk('cond', r'''
foo(a)
ATTRIBUTE_EXISTS(a)
name = :v
NAME = :v
Name = :v
a.name = :v
attribute_exists(name)
a.b[1].name = :v
size = :v
a.size = :v
convert = :v
begins_with = :v
#zz = :v
a = :zz
a.#zz = :v
attribute_exists(a, b)
begins_with(a)
contains(a, :v, :v)
size(a)
size(:v, a) = :v
size(size(a)) = :v
size(:n) = :v
size(:t) = :n
size(:null) = :n
attribute_exists(:v)
attribute_not_exists(:v)
attribute_exists(size(a))
attribute_type(a, :v)
attribute_type(a, b)
attribute_type(#n, #n)
attribute_type(#n, :n)
attribute_type(:n, :b)
attribute_type(a, size(a))
attribute_type(a, :S, :S)
attribute_type(a)
begins_with(#n, :n)
begins_with(#n, size(a))
begins_with(size(a), :v)
begins_with(:m, :v)
begins_with(:ss, :v)
begins_with(:v, :m)
begins_with(:t, :n)
a BETWEEN :v AND :n
a BETWEEN :n AND :v
a BETWEEN :n2 AND :n
a BETWEEN :v AND :e
a BETWEEN :b AND :e
a BETWEEN :b23 AND :b1
a BETWEEN :ss AND :ss
a BETWEEN :ss AND :ns
a BETWEEN :m AND :l
a BETWEEN :null AND :t
a BETWEEN a AND :n
a BETWEEN b AND a
a BETWEEN a AND :m
a BETWEEN :m AND a
a < :m
a < :null
:m < :l
:ss < :ss
:t < :f
a = a
a <> a
a < a
a.b = a.b
a[0] = a[0]
a = #n
a IN (a)
a IN (b, a)
contains(a, a)
begins_with(a, a)
begins_with(a, #n)
a = if_not_exists(b, :v)
a = list_append(b, :v)
if_not_exists(b, :v)
list_append(b, :v)
attribute_exists(a) = :t
a = begins_with(a, :v)
a = attribute_exists(a)
begins_with(a, attribute_exists(a))
a = foo(a)
foo(a) = :v
(begins_with(a, :v)) = :v
((a = :v))
((a)) = :v
(((a))) = :v
a = ((:v))
(a = :v) AND ((b = :v))
((a = :v)) AND b = :v
NOT ((a = :v))
((NOT a = :v))
((attribute_exists(a)))
a IN (((:v)))
size(((a))) = :v
attribute_exists(((a)))
((size(a))) = :v
a BETWEEN ((:n)) AND :n2
a[2147483648] = :v
a[4294967296] = :v
a[99999999999999999999999] = :v
#n[2147483648] = :v
name = :v AND #zz = :zz
#zz = :zz AND name = :v
:zz = #zz
foo(#zz) AND name = :v
name = :v AND foo(#zz)
attribute_exists(a, b) AND foo(#zz)
attribute_exists(a, b) AND #zz = :v
#zz = :v AND attribute_exists(a, b)
size(a) AND #zz = :v
#zz = :v AND size(a)
name = :v AND size(a)
size(a) AND name = :v
foo(a) AND size(a)
size(a) AND foo(a)
size(name)
foo(name)
name = foo(a)
attribute_exists(a) = name
begins_with(size(name), :v)
attribute_exists(#zz, b)
attribute_exists(:zz)
begins_with(:n, #zz)
size(#zz, :zz) = :v
a BETWEEN :n2 AND #zz
a BETWEEN :n2 AND :n AND #zz = :v
a = a AND #zz = :v
#zz = :v AND a = a
attribute_type(a, :n) AND attribute_type(a, :zz)
a[2147483648] = :v AND name = :v
name = :v AND a[2147483648] = :v
((b)) = :v AND a[2147483648] = :v
((a)) = :v AND name = :v
foo(a) AND ((a)) = :v
((a)) = :v AND =
''')

# ---- condition evaluation ----
CASES += mk('cond', r'''
s = :v
n = :n5
n = :n15
n < :n15
n > :n
s < :v
e < :v
big < emo
emo < big
size(s) = :n5
size(emo) = :n2
size(b) = :n
size(ss) = :n2
size(l) = :n
size(m) = :n
size(n) = :n
size(n) <> :n
size(t) <> :n
size(nul) <> :n
size(zz) <> :n
size(:m) = :n
size(:b) = :n2
size(a) = size(a)
a = b
a <> b
zz <> :v
n <> s
s IN (:v, n)
x IN (:v, n)
x IN (:n, :v)
contains(s, :el)
contains(s, :v)
contains(ss, :v)
contains(ss, :S)
contains(l, :v)
contains(l, :m)
contains(l, :ss)
contains(l, :n)
contains(ns, :n)
contains(n, :n)
contains(b, :b)
contains(s, n)
contains(m, :v)
contains(:v, :v)
contains(:ss, :v)
begins_with(s, :e)
begins_with(s, :v)
begins_with(b, :b)
begins_with(b, :b1)
begins_with(ss, :v)
begins_with(n, :v)
begins_with(:b, :b)
attribute_type(s, :S)
attribute_type(ss, :SS)
attribute_type(nul, :NULL)
attribute_type(l, :L)
attribute_type(m, :M)
attribute_type(t, :BOOL)
attribute_type(zz, :S)
NOT attribute_type(zz, :S)
attribute_type(:v, :S)
attribute_type(:n, :S)
n BETWEEN :n AND :n5
n BETWEEN :n AND :n2
s BETWEEN :e AND :v
s BETWEEN :n AND :n2
n BETWEEN size(s) AND :n5
m = :m
l[0] = :v
l[2].x = :y
l[9] = :v
m.x = :v
m[0] = :v
l.x = :v
s[0] = :v
attribute_exists(l[3])
attribute_exists(l[4])
attribute_exists(m.x)
attribute_exists(m.zz)
attribute_not_exists(zz)
t = :t
t = :f
nul = :null
:n < :n2
:n2 < :n
:ss = :ss
:m = :m
:m <> :m
:l = :l
:v IN (:v, :v)
a IN (:m, :null, :l)
NOT NOT s = :v
NOT (s = :v)
not s = :v
s = :v Or x = :v
s = :v aNd x = :v
x between :e and :v
x in (:v)
x In (:n)
(x) = :v
x = (:v)
(attribute_exists(x))
NOT x = :v AND s = :v
NOT x = :v OR s = :v
s = :v OR x = :v AND n = :n
(s = :v OR x = :v) AND n = :n5
((x = :v) AND (n = :n5))
x=:v AND(n=:n5)
attribute_exists (x)
size (s) = :n5
#n[0] = :v
a.#n.b = :v
#dot = :v
''', ITEM)
CASES += [
    {'mode': 'cond', 'expr': 'contains(b, :x)', 'names': None, 'values': {':x': {'B': 'Ag=='}}, 'item': ITEM},
    {'mode': 'cond', 'expr': 'contains(bs, :x)', 'names': None, 'values': {':x': {'B': 'Aw=='}}, 'item': ITEM},
    {'mode': 'cond', 'expr': 'begins_with(b, :x)', 'names': None, 'values': {':x': {'S': 'a'}}, 'item': ITEM},
    {'mode': 'cond', 'expr': 'contains(s, :x)', 'names': None, 'values': {':x': {'B': 'aA=='}}, 'item': ITEM},
    {'mode': 'cond', 'expr': 'n = :x', 'names': None, 'values': {':x': {'N': '05.0'}}, 'item': ITEM},
    {'mode': 'cond', 'expr': 'n < :x', 'names': None, 'values': {':x': {'N': '1e1'}}, 'item': ITEM},
    {'mode': 'cond', 'expr': 'ss = :x', 'names': None, 'values': {':x': {'SS': ['a', 'x']}}, 'item': ITEM},
]

# ---- limits ----
def _join(unit, n, sep=' AND '):
    return sep.join([unit] * n)
CASES += [
    {'mode': 'cond', 'expr': _join('a = :v', 150), 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('a = :v', 151), 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('a = :v', 151, ' OR '), 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('size(a) = :n', 100), 'names': None, 'values': {':n': {'N': '1'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('size(a) = :n', 101), 'names': None, 'values': {':n': {'N': '1'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('NOT a = :v', 101), 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('attribute_exists(a)', 151), 'names': None, 'values': None, 'item': None},
    {'mode': 'cond', 'expr': _join('a BETWEEN :n AND :n', 151), 'names': None, 'values': {':n': {'N': '1'}}, 'item': None},
    {'mode': 'cond', 'expr': _join('a = :v', 151) + ' AND b = b', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a IN (' + ', '.join([':v'] * 100) + ')', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a IN (' + ', '.join([':v'] * 101) + ')', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'b IN (' + ','.join([':v'] * 101) + ') AND name = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'b IN (' + ','.join([':v'] * 101) + ') AND a = :y', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '.'.join(['a'] * 32) + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '.'.join(['a'] * 33) + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a' + '[0]' * 32 + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '.'.join(['a'] * 33) + ' = :y', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '.'.join(['a'] * 33) + ' = :v AND name = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'size(' + '.'.join(['a'] * 33) + ') AND name = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a' * 4091 + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a' * 4092 + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'é' * 2046 + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'NOT ' * 1000 + 'a = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '(a = :v AND ' * 100 + 'a = :v' + ')' * 100, 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'update', 'expr': 'SET ' + 'a' * 4087 + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'update', 'expr': 'SET ' + 'a' * 4088 + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'update', 'expr': 'SET ' + ', '.join('a%d = :v' % i for i in range(302)), 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'proj', 'expr': 'a' * 4097, 'names': None, 'values': None, 'item': None},
    {'mode': 'proj', 'expr': '.'.join(['a'] * 33), 'names': None, 'values': None, 'item': None},
]

# ---- placeholder maps ----
CASES += [
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#': 'x'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#n-1': 'x'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'n': 'x'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#é': 'x'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#1': 'x'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#n_1': 'x', '#A': 'y'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': {':': {'S': 'x'}, ':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': {'::a': {'S': 'x'}, ':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': {':1': {'S': 'x'}, ':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#': 'x'}, 'values': {':': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = = :v', 'names': {'#': 'x'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': {}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#n': ''}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#n': 'a' * 65536}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '#n = :v', 'names': {'#n': 'a' * 65535}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#n': 'a', '#m': 'b'}, 'values': {':v': {'S': 'x'}, ':w': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': {':v': {'S': 'x'}, ':w': {'S': 'x'}, ':u': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': '#n = :v', 'names': {'#n': 'name'}, 'values': {':v': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': {'#a': 'x', '#zz': 'y', '#A1': 'z', '#x_y': 'w', '#b': 'v', '#Q': 'q'}, 'values': {':v': {'S': 'x'}}, 'item': None,
     'known_difference': 'keys in one Java hash bucket are listed in request order, which a HashMap does not keep; eddy orders them by name'},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': {':v': {'S': 'x'}, ':a': {'S': 'x'}, ':zz': {'S': 'x'}, ':B': {'S': 'x'}, ':value_1': {'S': 'x'}, ':0': {'S': 'x'}}, 'item': None},
    {'mode': 'cond', 'expr': 'a = :v', 'names': None, 'values': dict([(':v', {'S': 'x'})] + [(':k%d' % i, {'S': 'x'}) for i in range(20)]), 'item': None,
     'known_difference': 'keys in one Java hash bucket are listed in request order, which a HashMap does not keep; eddy orders them by name'},
    {'mode': 'cond', 'expr': 'a = :v', 'names': dict(('#name%d' % i, 'x') for i in range(13)), 'values': {':v': {'S': 'x'}}, 'item': None},
]

# ---- update: syntax and static errors ----
CASES += [{'mode': 'update', 'expr': e, 'names': None, 'values': {':v': {'S': 'x'}, ':n': {'N': '1'}}, 'item': None,
           'known_difference': 'with three or more paths DynamoDB names an unrelated path as path two; eddy names the overlapping pair'}
          for e in ['SET a = :v, a = :v, b = :n + :v', 'SET a = :v, b = :v, a.c = :v', 'SET x = :v, a = :v, y = :v, z = :v, a.c = :v']]
CASES += mk('update', r'''
SET a = :v SET b = :v
SET a = :v REMOVE b SET c = :v
REMOVE a REMOVE b
ADD a :n ADD b :n
DELETE a :ss DELETE b :ss
SET name = :v SET b = :v
SET a = ((:v)) SET b = :v
SET a = foo(a) SET b = :v
SET a = :v SET b = :v, =
SET a = :v REMOVE a
SET a = :v, a = :v
SET a = :v, a.b = :v
SET a.b = :v, a = :v
SET a[0] = :v, a = :v
SET a[0] = :v, a.b = :v
SET a.b = :v, a[0] = :v
SET a[0] = :v, a[0] = :v
SET a[0].b = :v, a[0][1] = :v
SET a = :v ADD a :n
REMOVE a ADD a.b :n
ADD a :n, a :n
DELETE a :ss, a.b :ss
SET #n = :v, a = :v
ADD a.b :n SET a = :v
SET a = :v, a = :zz
SET a = :zz, a = :v
SET a = :v, a = foo(b)
SET #zz = :v, a = :v, a = :v
SET a = :v, a = :v, #zz = :v
SET
SET a
SET a =
SET a = :v,
SET a = :v b = :v
SET a :v
SET a = :v ,
SET a = :v,, b = :v
SET a = :v REMOVE
ADD a
ADD a = :n
ADD a :n,
ADD a :n b :n
ADD a b
ADD a (:n)
ADD a if_not_exists(b, :n)
DELETE a
DELETE a (:ss)
REMOVE
REMOVE a,
REMOVE a b
REMOVE :v
SET :v = :v
ADD :n :n
a = :v
SET a = :v AND b = :v
UPDATE a = :v
SET a = :n + :n + :n
SET a = (:n + :n) + :n
SET a = :n + (:n + :n)
SET a = -:n
SET a = :n +
SET a = :n = :n
SET (a) = :n
SET a = :n, (b) = :n
SET a = if_not_exists(n, :n + :n)
SET a = list_append(l, :l + :l)
SET a = size(b)
SET a = size(n) + :n
SET a = attribute_exists(b)
SET a = foo(b)
SET a = foo(n) + :n
SET a = list_append(:l, :v)
SET a = list_append(:v, :l)
SET a = list_append(:n, :l)
SET a = list_append(:l, :ss)
SET a = list_append(:l, :m)
SET a = list_append(:t, :l)
SET a = list_append(:l)
SET a = list_append(:l, :l, :l)
SET a = if_not_exists(:n, :n)
SET a = if_not_exists(b)
SET a = if_not_exists(:n, :n, :n)
SET a = :n + if_not_exists(a)
SET a = if_not_exists(#zz, :y)
SET a = list_append(#zz, :y)
SET a = list_append(if_not_exists(:n, :n), :y)
SET a = if_not_exists(a, list_append(:l, :l))
SET a = list_append(list_append(:l, :l), :l)
SET a = list_append(:l, :l) + :n
SET a = :n + list_append(:l, :l)
SET a = ((:n + :n))
SET a = (((:n)) + :n)
SET a = if_not_exists(a, ((:n)))
SET a = ((:n))
SET a = if_not_exists(name, :n)
SET m.new = :v
SET a = :v + :n
SET a = :n + :v
SET a = :v - :v
SET a = :ss + :ss
ADD n :v
ADD ss :v
ADD l :l
ADD m :m
ADD zz :null
ADD zz :t
ADD zz :b
DELETE ss :v
DELETE ss :n
DELETE ss :b
DELETE ss :t
DELETE ss :null
DELETE ss :m
DELETE ss :l
ADD ss :zz
SET a[2147483648] = :v
REMOVE a[2147483648] REMOVE b
SET a = :v, b = :n
set a = :v remove b add c :n delete d :ss
''')

# ---- update: application ----
CASES += mk('update', r'''
SET a = :n + :n
SET a = :n - :n2
SET a = (:n + :n)
SET a = (:n) + (:n)
SET a = ((:n) + :n)
SET a = (:n)
SET a = :n + (:n)
SET a = if_not_exists(a, :n)
SET a = if_not_exists(b, :n) + :n
SET a = list_append(:l, :l)
SET a = list_append(if_not_exists(b, :l), :l)
SET a = if_not_exists(b, if_not_exists(c, :n))
SET a = (list_append(:l, :l))
SET a = :n + (if_not_exists(a, :n))
SET a = a
SET a = a + :n
SET a = b, b = a
SET a[0] = :v
SET a.b = :v
SET a[0] = :v, a[1] = :v
ADD a :n
ADD a.b :n
ADD a[0] :n
ADD zz :ss
DELETE a :ss
REMOVE a, b
REMOVE zz.y
''')
CASES += mk('update', r'''
ADD s :n
ADD n :n
ADD ss :ss
ADD ss :ssx
ADD ss :ns
ADD n :ns
ADD zz :ss
ADD zz :bs
ADD m.n :n
ADD m.zz :n
ADD m.x :n
ADD l[0] :n
ADD m.l[5] :n
DELETE ss :ss
DELETE ss :ssx
DELETE ss :ns
DELETE n :ns
DELETE zz :ss
DELETE m.zz :ss
DELETE zz.y :ss
SET n = n + :n
SET n = n - :n2
SET n = s + :n
SET n = zz + :n
SET n = n + ss
SET n = s + n
SET n = if_not_exists(n, :v) + :n
SET n = list_append(l, :l)
SET n = list_append(:l, l)
SET n = list_append(l, s)
SET n = list_append(s, l)
SET n = list_append(zz, l)
SET n = list_append(:l, n)
SET l[1] = :v
SET l[5] = :v
SET l[5] = :v, l[7] = :n
SET l[4] = :v, l[5] = :n
SET l[5] = :v, l[4] = :n
SET l[5] = :v, l[1] = :n
SET m.l[3] = :v
SET s.x = :v
SET s[0] = :v
SET l.x = :v
SET m[0] = :v
SET zz.x = :v
SET zz[0] = :v
SET m.x.y = :v
SET l[1][0] = :v
SET l[1].x = :v
SET l[0] = l[2], l[2] = l[0]
SET a = s, b = n, c = m.x, d = l[1], e = m.l
SET a = l[10]
SET a = m.zz
SET a = if_not_exists(s, :n)
SET a = if_not_exists(m.zz, :n)
SET a = if_not_exists(l[9], :n)
REMOVE l[0], l[1]
REMOVE l[1], l[0]
REMOVE l[3], l[1]
REMOVE l[9]
REMOVE l[1] SET l[2] = :v
SET l[2] = :v REMOVE l[1]
SET l[1] = :v REMOVE l[0]
REMOVE l[0] SET l[5] = :v
REMOVE m.x, m.y
REMOVE zz.y
REMOVE zz[0]
REMOVE s.x
REMOVE s[0]
REMOVE m[0]
REMOVE l.x
REMOVE zz
SET a = :v, s = :v
SET n = n + :n, s = :n + n
SET l = list_append(l, :l), s = l[0]
SET #dot = :v
SET m.#dot = :v
ADD ss :ss, n :n
SET n = n + :big
SET n = :big + :big
ADD n :prec
SET n = n - :prec
''', LIST_ITEM)

# ---- projection ----
CASES += mk('proj', r'''
a.b[1]
a.b[1], a.c
a.b[1], a.b[0]
a.b[2], a.b[0]
l[1].p, l[0].q
l[2][1], l[0]
l[2][0], l[2][1], l[0].p
s, x
zz
a.zz
a.b[9]
s.x
s[0]
l[5].p
l[0].zz
#n
#dot
a[0]
l[0], l[0].p
a, a.c
s, s
#n, a
a[0], a[0]
a[0], a.b
a.b, a[0]
a.b, a.b.c
a.b.c, a.b
a[0][1], a[0]
#zz, a, a
a, a, #zz
a, name, a
name
a.name
size(a)
a = b
a,
,a
a b
a.b[1].
a.b[-1]
a.b[1
(a)
a, (b)
:v
a[2147483648]
''', PROJ_ITEM)
CASES += [{'mode': 'proj', 'expr': e, 'names': None, 'values': None, 'item': PROJ_ITEM} for e in ['', ' ']]
CASES += [{'mode': 'update', 'expr': e, 'names': None, 'values': None, 'item': None} for e in ['', '  ']]

# ---- legacy Expected ----
S = {'S': 'x'}
LEG_ITEM = {'a': {'S': 'x'}, 'n': {'N': '5'}, 'ss': {'SS': ['x', 'y']}, 'l': {'L': [{'S': 'x'}]}, 'b': {'B': 'YWI='}}
def exp(e, op=None):
    return {'mode': 'expected', 'expected': e, 'op': op, 'item': LEG_ITEM}
CASES += [
    exp({'a': {'Value': S}}),
    exp({'a': {'Value': S, 'Exists': True}}),
    exp({'a': {'Exists': True}}),
    exp({'a': {'Exists': False}}),
    exp({'zz': {'Exists': False}}),
    exp({'a': {'Value': S, 'Exists': False}}),
    exp({'a': {}}),
    exp({'a': {'ComparisonOperator': 'EQ'}}),
    exp({'a': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S]}}),
    exp({'a': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S, S]}}),
    exp({'a': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S], 'Value': S}}),
    exp({'a': {'ComparisonOperator': 'EQ', 'Value': S}}),
    exp({'a': {'ComparisonOperator': 'EQ', 'AttributeValueList': [S], 'Exists': True}}),
    exp({'a': {'ComparisonOperator': 'NULL'}}),
    exp({'zz': {'ComparisonOperator': 'NULL'}}),
    exp({'a': {'ComparisonOperator': 'NOT_NULL'}}),
    exp({'a': {'ComparisonOperator': 'NOT_NULL', 'AttributeValueList': []}}),
    exp({'a': {'ComparisonOperator': 'NOT_NULL', 'Value': S}}),
    exp({'a': {'ComparisonOperator': 'NULL', 'AttributeValueList': [S]}}),
    exp({'a': {'ComparisonOperator': 'NE', 'AttributeValueList': [{'N': '1'}]}}),
    exp({'zz': {'ComparisonOperator': 'NE', 'AttributeValueList': [{'N': '1'}]}}),
    exp({'a': {'ComparisonOperator': 'LT', 'AttributeValueList': [{'SS': ['a']}]}}),
    exp({'a': {'ComparisonOperator': 'LT', 'AttributeValueList': [{'BOOL': True}]}}),
    exp({'a': {'ComparisonOperator': 'LE', 'AttributeValueList': [{'M': {}}]}}),
    exp({'a': {'ComparisonOperator': 'GE', 'AttributeValueList': [{'NULL': True}]}}),
    exp({'a': {'ComparisonOperator': 'GT', 'AttributeValueList': [{'S': 'a'}]}}),
    exp({'n': {'ComparisonOperator': 'GE', 'AttributeValueList': [{'S': '1'}]}}),
    exp({'a': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'ss': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'l': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'a': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'SS': ['x']}]}}),
    exp({'a': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'NULL': True}]}}),
    exp({'a': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'L': []}]}}),
    exp({'a': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'BOOL': True}]}}),
    exp({'a': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'M': {}}]}}),
    exp({'b': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'B': 'Yg=='}]}}),
    exp({'n': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'N': '5'}]}}),
    exp({'zz': {'ComparisonOperator': 'NOT_CONTAINS', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'ss': {'ComparisonOperator': 'NOT_CONTAINS', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'a': {'ComparisonOperator': 'NOT_CONTAINS', 'AttributeValueList': [{'S': 'q'}]}}),
    exp({'n': {'ComparisonOperator': 'NOT_CONTAINS', 'AttributeValueList': [{'S': 'q'}]}}),
    exp({'a': {'ComparisonOperator': 'BEGINS_WITH', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'a': {'ComparisonOperator': 'BEGINS_WITH', 'AttributeValueList': [{'N': '1'}]}}),
    exp({'a': {'ComparisonOperator': 'BEGINS_WITH', 'AttributeValueList': [{'SS': ['a']}]}}),
    exp({'a': {'ComparisonOperator': 'BEGINS_WITH', 'AttributeValueList': [{'B': 'YQ=='}]}}),
    exp({'b': {'ComparisonOperator': 'BEGINS_WITH', 'AttributeValueList': [{'B': 'YQ=='}]}}),
    exp({'a': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'S': 'x'}, {'N': '1'}]}}),
    exp({'a': {'ComparisonOperator': 'IN', 'AttributeValueList': []}}),
    exp({'a': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'SS': ['x']}]}}),
    exp({'a': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'M': {}}]}}),
    exp({'a': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'BOOL': True}]}}),
    exp({'a': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'S': 'y'}, {'S': 'x'}]}}),
    exp({'ss': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'a': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'S': 'a'}, {'S': 'z'}]}}),
    exp({'a': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'S': 'z'}, {'S': 'a'}]}}),
    exp({'a': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'S': 'a'}, {'N': '1'}]}}),
    exp({'a': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'S': 'a'}]}}),
    exp({'a': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'S': 'a'}, {'S': 'z'}, {'S': 'z'}]}}),
    exp({'a': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'SS': ['a']}, {'SS': ['b']}]}}),
    exp({'a': {'ComparisonOperator': 'FOO', 'AttributeValueList': [{'S': 'a'}]}}),
    exp({'a': {'ComparisonOperator': 'eq', 'AttributeValueList': [{'S': 'x'}]}}),
    exp({'ss': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'SS': ['y', 'x']}]}}),
    exp({'a': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'M': {}}]}}),
    exp({'a': {'ComparisonOperator': 'NE', 'AttributeValueList': [{'L': []}]}}),
    exp({'a': {'Exists': False, 'ComparisonOperator': 'NULL'}}),
    exp({'a': {'AttributeValueList': [S]}}),
    exp({'a': {'AttributeValueList': [S], 'Exists': True}}),
    exp({'a': {'Value': S}, 'b': {'Exists': True}}),
    exp({'a': {'Value': S}, 'n': {'Value': {'N': '4'}}}, 'OR'),
    exp({'a': {'Value': S}, 'n': {'Value': {'N': '4'}}}, 'AND'),
    exp({'a': {'Value': S}, 'n': {'Value': {'N': '4'}}}),
    exp({'a': {'Value': S}}, 'AND'),
    exp({'a': {'Value': S}}, 'XOR'),
    exp({}, 'AND'),
    exp({}),
]

# ---- legacy AttributeUpdates ----
def au(u):
    return {'mode': 'attribute_updates', 'updates': u, 'item': LEG_ITEM}
CASES += [
    au({'a': {'Value': {'S': 'y'}, 'Action': 'PUT'}}),
    au({'a': {'Action': 'PUT'}}),
    au({'a': {'Action': 'DELETE'}}),
    au({'zz': {'Action': 'DELETE'}}),
    au({'a': {}}),
    au({'ss': {'Action': 'DELETE', 'Value': {'SS': ['x']}}}),
    au({'ss': {'Action': 'DELETE', 'Value': {'SS': ['x', 'y']}}}),
    au({'ss': {'Action': 'DELETE', 'Value': {'S': 'x'}}}),
    au({'ss': {'Action': 'DELETE', 'Value': {'NS': ['1']}}}),
    au({'a': {'Action': 'DELETE', 'Value': {'SS': ['x']}}}),
    au({'zz': {'Action': 'DELETE', 'Value': {'SS': ['x']}}}),
    au({'n': {'Action': 'DELETE', 'Value': {'N': '5'}}}),
    au({'l': {'Action': 'DELETE', 'Value': {'L': [{'S': 'x'}]}}}),
    au({'l': {'Action': 'DELETE', 'Value': {'M': {}}}}),
    au({'l': {'Action': 'DELETE', 'Value': {'B': 'eA=='}}}),
    au({'l': {'Action': 'DELETE', 'Value': {'NULL': True}}}),
    au({'n': {'Action': 'ADD', 'Value': {'N': '2'}}}),
    au({'zz': {'Action': 'ADD', 'Value': {'N': '2'}}}),
    au({'ss': {'Action': 'ADD', 'Value': {'SS': ['z']}}}),
    au({'zz': {'Action': 'ADD', 'Value': {'SS': ['z']}}}),
    au({'l': {'Action': 'ADD', 'Value': {'L': [{'N': '1'}]}}}),
    au({'zz': {'Action': 'ADD', 'Value': {'L': [{'N': '1'}]}}}),
    au({'a': {'Action': 'ADD', 'Value': {'S': 'z'}}}),
    au({'a': {'Action': 'ADD', 'Value': {'N': '1'}}}),
    au({'n': {'Action': 'ADD', 'Value': {'S': '1'}}}),
    au({'zz': {'Action': 'ADD', 'Value': {'M': {}}}}),
    au({'zz': {'Action': 'ADD', 'Value': {'BOOL': True}}}),
    au({'zz': {'Action': 'ADD'}}),
    au({'zz': {'Action': 'FOO', 'Value': {'S': 'x'}}}),
    au({'l': {'Action': 'ADD', 'Value': {'SS': ['x']}}}),
    au({'ss': {'Action': 'ADD', 'Value': {'L': []}}}),
    au({'n': {'Action': 'ADD', 'Value': {'N': '1E+38'}}}),
    au({'n': {'Action': 'ADD', 'Value': {'N': '1E+37'}}}),
    au({'n': {'Action': 'ADD', 'Value': {'B': 'eA=='}}}),
    au({'n': {'Action': 'ADD', 'Value': {'NULL': True}}}),
    au({'n': {'Action': 'ADD', 'Value': {'BS': ['eA==']}}}),
    au({'n': {'Action': 'PUT', 'Value': {'BS': ['eA==']}}, 'a': {'Action': 'DELETE'}}),
    au({'a.b': {'Action': 'PUT', 'Value': {'S': 'x'}}}),
]

# ---- more evaluation and application corners ----
LIST_SET_ITEM = {'l': {'L': [{'S': 'a'}, {'N': '1'}, {'M': {'x': {'S': 'y'}}}, {'SS': ['a', 'b']}, {'NS': ['1']}]},
                 'm': {'M': {'x': {'S': 'y'}, 's': {'SS': ['a']}}}, 'n': {'N': '5'}, 'n1': {'N': '1'}, 's': {'S': 'x'}}
CASES += mk('update', r'''
DELETE l[3] :ss
DELETE l[3] :ssx
ADD l[3] :ssx
ADD l[4] :ns
ADD l[1] :n
ADD l[9] :ss
DELETE l[9] :ss
DELETE l[0] :ss
SET l[10].x = :v
SET l[10][0] = :v
REMOVE l[1].x
REMOVE l[9].x
REMOVE m.x.y
REMOVE m.zz.y
SET l[2].x = :n, l[2].z = :n
SET l[2].x = :n REMOVE l[0]
DELETE m.s :ss
ADD m.s :ssx
SET m.zz = m.x
SET l[0] = l[4], l[4] = l[0]
REMOVE l[0], l[1], l[2], l[3], l[4]
REMOVE l[4], l[3], l[2], l[1], l[0], l[5]
SET l[1] = :v, l[5] = :n, l[6] = :n2 REMOVE l[0]
SET n = n - n1
SET n = n1 - n
SET n = n + n
SET s = :e
SET zz = :l0
ADD n :n, n1 :n2
REMOVE n, n1, s
''', LIST_SET_ITEM)
CASES += mk('cond', r'''
l = :l
l[3] = :ss
l[2] = :m
m = :m
x IN (s, :v)
s IN (s, :v)
s IN (zz, :v)
n BETWEEN n1 AND :n5
n BETWEEN :n AND n1
n BETWEEN s AND :n5
n > n1
n1 > n
s > n
size(l[3]) = :n2
size(l) = :n5
contains(l, :ss)
contains(l, :m)
contains(l[3], :v)
contains(l[3], :ab)
contains(m.s, :ab)
attribute_type(l[4], :NS)
attribute_type(l[1], :N)
attribute_type(m, :M)
begins_with(s, s)
contains(s, s)
s = s
m.x = m.x
m.x = s
n <> n1
n = n1
NOT attribute_exists(l[5]) AND attribute_exists(l[4])
attribute_exists(l) OR zz = :v
zz = :v OR zz <> :v
NOT (zz = :v OR zz <> :v)
''', LIST_SET_ITEM)

# ---- every published reserved word, bare, lower case ----
RESERVED = '''
ABORT ABSOLUTE ACTION ADD AFTER AGENT AGGREGATE ALL ALLOCATE ALTER ANALYZE AND ANY ARCHIVE ARE ARRAY AS ASC ASCII
ASENSITIVE ASSERTION ASYMMETRIC AT ATOMIC ATTACH ATTRIBUTE AUTH AUTHORIZATION AUTHORIZE AUTO AVG BACK BACKUP BASE
BATCH BEFORE BEGIN BETWEEN BIGINT BINARY BIT BLOB BLOCK BOOLEAN BOTH BREADTH BUCKET BULK BY BYTE CALL CALLED CALLING
CAPACITY CASCADE CASCADED CASE CAST CATALOG CHAR CHARACTER CHECK CLASS CLOB CLOSE CLUSTER CLUSTERED CLUSTERING
CLUSTERS COALESCE COLLATE COLLATION COLLECTION COLUMN COLUMNS COMBINE COMMENT COMMIT COMPACT COMPILE COMPRESS
CONDITION CONFLICT CONNECT CONNECTION CONSISTENCY CONSISTENT CONSTRAINT CONSTRAINTS CONSTRUCTOR CONSUMED CONTINUE
CONVERT COPY CORRESPONDING COUNT COUNTER CREATE CROSS CUBE CURRENT CURSOR CYCLE DATA DATABASE DATE DATETIME DAY
DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DEFINE DEFINED DEFINITION DELETE DELIMITED DEPTH DEREF
DESC DESCRIBE DESCRIPTOR DETACH DETERMINISTIC DIAGNOSTICS DIRECTORIES DISABLE DISCONNECT DISTINCT DISTRIBUTE DO
DOMAIN DOUBLE DROP DUMP DURATION DYNAMIC EACH ELEMENT ELSE ELSEIF EMPTY ENABLE END EQUAL EQUALS ERROR ESCAPE ESCAPED
EVAL EVALUATE EXCEEDED EXCEPT EXCEPTION EXCEPTIONS EXCLUSIVE EXEC EXECUTE EXISTS EXIT EXPLAIN EXPLODE EXPORT
EXPRESSION EXTENDED EXTERNAL EXTRACT FAIL FALSE FAMILY FETCH FIELDS FILE FILTER FILTERING FINAL FINISH FIRST FIXED
FLATTERN FLOAT FOR FORCE FOREIGN FORMAT FORWARD FOUND FREE FROM FULL FUNCTION FUNCTIONS GENERAL GENERATE GET GLOB
GLOBAL GO GOTO GRANT GREATER GROUP GROUPING HANDLER HASH HAVE HAVING HEAP HIDDEN HOLD HOUR IDENTIFIED IDENTITY IF
IGNORE IMMEDIATE IMPORT IN INCLUDING INCLUSIVE INCREMENT INCREMENTAL INDEX INDEXED INDEXES INDICATOR INFINITE
INITIALLY INLINE INNER INNTER INOUT INPUT INSENSITIVE INSERT INSTEAD INT INTEGER INTERSECT INTERVAL INTO INVALIDATE
IS ISOLATION ITEM ITEMS ITERATE JOIN KEY KEYS LAG LANGUAGE LARGE LAST LATERAL LEAD LEADING LEAVE LEFT LENGTH LESS
LEVEL LIKE LIMIT LIMITED LINES LIST LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCATION LOCATOR LOCK LOCKS LOG LOGED LONG
LOOP LOWER MAP MATCH MATERIALIZED MAX MAXLEN MEMBER MERGE METHOD METRICS MIN MINUS MINUTE MISSING MOD MODE MODIFIES
MODIFY MODULE MONTH MULTI MULTISET NAME NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NONE NOT NULL NULLIF NUMBER
NUMERIC OBJECT OF OFFLINE OFFSET OLD ON ONLINE ONLY OPAQUE OPEN OPERATOR OPTION OR ORDER ORDINALITY OTHER OTHERS
OUT OUTER OUTPUT OVER OVERLAPS OVERRIDE OWNER PAD PARALLEL PARAMETER PARAMETERS PARTIAL PARTITION PARTITIONED
PARTITIONS PATH PERCENT PERCENTILE PERMISSION PERMISSIONS PIPE PIPELINED PLAN POOL POSITION PRECISION PREPARE
PRESERVE PRIMARY PRIOR PRIVATE PRIVILEGES PROCEDURE PROCESSED PROJECT PROJECTION PROPERTY PROVISIONING PUBLIC PUT
QUERY QUIT QUORUM RAISE RANDOM RANGE RANK RAW READ READS REAL REBUILD RECORD RECURSIVE REDUCE REF REFERENCE
REFERENCES REFERENCING REGEXP REGION REINDEX RELATIVE RELEASE REMAINDER RENAME REPEAT REPLACE REQUEST RESET
RESIGNAL RESOURCE RESPONSE RESTORE RESTRICT RESULT RETURN RETURNING RETURNS REVERSE REVOKE RIGHT ROLE ROLES
ROLLBACK ROLLUP ROUTINE ROW ROWS RULE RULES SAMPLE SATISFIES SAVE SAVEPOINT SCAN SCHEMA SCOPE SCROLL SEARCH SECOND
SECTION SEGMENT SEGMENTS SELECT SELF SEMI SENSITIVE SEPARATE SEQUENCE SERIALIZABLE SESSION SET SETS SHARD SHARE
SHARED SHORT SHOW SIGNAL SIMILAR SIZE SKEWED SMALLINT SNAPSHOT SOME SOURCE SPACE SPACES SPARSE SPECIFIC
SPECIFICTYPE SPLIT SQL SQLCODE SQLERROR SQLEXCEPTION SQLSTATE SQLWARNING START STATE STATIC STATUS STORAGE STORE
STORED STREAM STRING STRUCT STYLE SUB SUBMULTISET SUBPARTITION SUBSTRING SUBTYPE SUM SUPER SYMMETRIC SYNONYM SYSTEM
TABLE TABLESAMPLE TEMP TEMPORARY TERMINATED TEXT THAN THEN THROUGHPUT TIME TIMESTAMP TIMEZONE TINYINT TO TOKEN
TOTAL TOUCH TRAILING TRANSACTION TRANSFORM TRANSLATE TRANSLATION TREAT TRIGGER TRIM TRUE TRUNCATE TTL TUPLE TYPE
UNDER UNDO UNION UNIQUE UNIT UNKNOWN UNLOGGED UNNEST UNPROCESSED UNSIGNED UNTIL UPDATE UPPER URL USAGE USE USER
USERS USING UUID VACUUM VALUE VALUED VALUES VARCHAR VARIABLE VARIANCE VARINT VARYING VIEW VIEWS VIRTUAL VOID WAIT
WHEN WHENEVER WHERE WHILE WINDOW WITH WITHIN WITHOUT WORK WRAPPED WRITE YEAR ZONE
'''.split()
assert len(RESERVED) == 573
CASES += [{'mode': 'cond', 'expr': w.lower() + ' = :v', 'names': None, 'values': {':v': {'S': 'x'}}, 'item': None}
          for w in RESERVED]
CASES += [{'mode': 'proj', 'expr': 'a.' + w.capitalize(), 'names': None, 'values': None, 'item': None}
          for w in RESERVED[::7]]
