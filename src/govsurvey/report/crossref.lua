-- Numbering, caption prefixes and cross-references for the fallback renderer (pandoc +
-- Typst), as Quarto does them; govsurvey/report/render.py passes it to pandoc as a filter.
local zh = false
local L = {
  en = { fig = "Figure", tbl = "Table", sec = "Section", delim = ": ", join = ", " },
  zh = { fig = "图", tbl = "表", sec = "节", delim = "：", join = "、" },
}
-- Chapter mode (_quarto.yml `crossref: {chapters: true}`, the chapter number from
-- `number-offset`): the one level-1 heading is the chapter and floats count per chapter. Chinese
-- theses write 表4-1 and 第4章 with no spaces and an ideographic space before the caption; Quarto
-- itself can only write "表 4.1: " (see report/QUARTO_SUBSET.md, Known differences).
local chapters = false
local CH = {
  en = { chapter = "Chapter", numdelim = ".", delim = ": " },
  zh = { numdelim = "-", delim = "\u{3000}" },
}
local numbers = {}   -- id -> number string
local chapter_ids = {}  -- ids of level-1 headings in chapter mode (referenced as the chapter)
local kinds = { fig = true, tbl = true, sec = true }
-- typst only: the chapter's absolute folder (env GOVSURVEY_DOCDIR) for relative image paths
local docdir = nil

local function fail(msg) error("GOVSURVEY-ERROR: " .. msg, 0) end

-- Conditional content, as Quarto (1.4+) does it: a div or span (or code block) of class
-- content-visible / content-hidden with when-meta / unless-meta="dotted.key" matches boolean
-- metadata. Several keys: all must hold; a key given twice: either. Hidden content is dropped
-- before anything is numbered. Metadata comes in layers, as Quarto merges it: the document's
-- (front matter, -M), then _metadata.yml files (deepest folder first), then _quarto.yml.
local meta_layers = {}
local hidden_ids = {}  -- identifier -> the condition that hid it
local CONDITION_CLASSES = { ["content-visible"] = true, ["content-hidden"] = true }
local META_TESTS = { "when-meta", "unless-meta" }
local OTHER_TESTS = { ["when-format"] = true, ["unless-format"] = true,
  ["when-profile"] = true, ["unless-profile"] = true }

local function read_meta_file(path)
  local f = io.open(path, "r")
  if not f then fail("cannot read the metadata file " .. path) end
  local text = f:read("a"):gsub("^%-%-%-[ \t]*\n", "")
  f:close()
  return pandoc.read("---\n" .. text .. "\n---\n", "markdown").meta
end

local function meta_value(key)
  local parts = {}
  for part in key:gmatch("[^.]+") do parts[#parts + 1] = part end
  for _, layer in ipairs(meta_layers) do
    local obj, found = layer, true
    for _, k in ipairs(parts) do
      local t = pandoc.utils.type(obj)
      if t ~= "Meta" and t ~= "table" then return nil end  -- a value where a group was wanted
      obj = obj[k]
      if obj == nil then found = false; break end
    end
    if found then return obj end
  end
  return nil
end

local function meta_flag(test, key)
  local value = meta_value(key)
  local where = test .. '="' .. key .. '"'
  if value == nil then
    fail(where .. ": the metadata key " .. key .. " is not set (Quarto reads a missing key as"
      .. " false, which hides typos). Write it as true or false in _metadata.yml beside the"
      .. " chapter (or in its front matter)")
  end
  if type(value) ~= "boolean" then
    fail(where .. ": the metadata key " .. key .. " is '" .. pandoc.utils.stringify(value)
      .. "', but when-meta / unless-meta match only the YAML booleans true and false")
  end
  return value
end

-- true / false when `el` is conditional content, nil when it is not; then a description of it
local function condition_holds(el)
  local visible_class = el.classes:includes("content-visible")
  if not visible_class and not el.classes:includes("content-hidden") then return nil end
  local keys, described = {}, {}
  for _, kv in ipairs(el.attributes) do
    local name, value = kv[1], kv[2]
    if OTHER_TESTS[name] then
      fail(name .. '="' .. value .. '" on a .content-visible / .content-hidden block: the fallback'
        .. " renderer supports only when-meta and unless-meta conditions")
    end
    if name == "when-meta" or name == "unless-meta" then
      keys[name] = keys[name] or {}
      table.insert(keys[name], value)
      table.insert(described, name .. '="' .. value .. '"')
    end
  end
  local match = true
  for _, test in ipairs(META_TESTS) do
    if keys[test] then
      local any = false
      for _, key in ipairs(keys[test]) do
        if meta_flag(test, key) then any = true end
      end
      if test == "unless-meta" then any = not any end
      match = match and any
    end
  end
  local why = "{." .. (visible_class and "content-visible" or "content-hidden")
    .. (#described > 0 and " " .. table.concat(described, " ") or "") .. "}"
  if visible_class then return match, why end
  return not match, why
end

local function forget_condition(el)
  el.classes = el.classes:filter(function(c) return not CONDITION_CLASSES[c] end)
  local kept = pandoc.List({})
  for _, kv in ipairs(el.attributes) do
    if kv[1] ~= "when-meta" and kv[1] ~= "unless-meta" then kept:insert(kv) end
  end
  el.attributes = kept
  return el
end

local function remember_hidden(el, content, why)
  local function note(x)
    if x.identifier and x.identifier ~= "" then hidden_ids[x.identifier] = why end
  end
  note(el)
  content:walk({ Header = note, Table = note, Figure = note, Div = note, Span = note,
    Image = note, CodeBlock = note })
end

local conditions
conditions = {
  traverse = "topdown",
  Div = function(d)
    local visible, why = condition_holds(d)
    if visible == nil then return nil end
    if visible then return pandoc.Blocks(d.content):walk(conditions), false end
    remember_hidden(d, pandoc.Blocks(d.content), why)
    return pandoc.Blocks({}), false
  end,
  Span = function(sp)
    local visible, why = condition_holds(sp)
    if visible == nil then return nil end
    if visible then
      sp = forget_condition(sp)
      sp.content = pandoc.Inlines(sp.content):walk(conditions)
      return sp, false
    end
    remember_hidden(sp, pandoc.Inlines(sp.content), why)
    return pandoc.Inlines({}), false
  end,
  CodeBlock = function(cb)
    local visible, why = condition_holds(cb)
    if visible == nil then return nil end
    if visible then return forget_condition(cb) end
    if cb.identifier ~= "" then hidden_ids[cb.identifier] = why end
    return pandoc.Blocks({})
  end,
}

local function label(kind)
  return (zh and L.zh or L.en)[kind]
end

local function register(id, number)
  if numbers[id] then fail("the label #" .. id .. " is used twice") end
  numbers[id] = number
end

local function prefix_caption(caption, text)
  local lab = pandoc.Inlines({ pandoc.Span(pandoc.Inlines(text), { class = "caption-label" }) })
  local delim = chapters and (zh and CH.zh or CH.en).delim or (zh and L.zh or L.en).delim
  lab:insert(pandoc.Str(delim))
  if #caption.long > 0 and (caption.long[1].t == "Plain" or caption.long[1].t == "Para") then
    local first = caption.long[1]
    first.content = lab .. first.content
  else
    caption.long:insert(1, pandoc.Plain(lab))
  end
  return caption
end

local NBSP = "\u{A0}"  -- keeps "Table" and its number on one line
local function reftext(kind, n, id)
  if chapters then
    if kind == "sec" and chapter_ids[id] then
      return zh and ("第" .. n .. "章") or (CH.en.chapter .. NBSP .. n)
    end
    if zh then return kind == "sec" and (n .. "节") or (label(kind) .. n) end
    return label(kind) .. NBSP .. n
  end
  if kind == "sec" and zh then return "第" .. NBSP .. n .. NBSP .. "节" end
  return label(kind) .. NBSP .. n
end

-- number-offset as Quarto reads it: a number or a list of numbers, one per heading level
local function number_offsets()
  local value = meta_value("number-offset")
  if value == nil then return {} end
  local list = pandoc.utils.type(value) == "List" and value or { value }
  local out = {}
  for i, v in ipairs(list) do
    local n = math.tointeger(tonumber(pandoc.utils.stringify(v)))
    if not n or n < 0 then
      fail("number-offset must be a whole number or a list of them (e.g. [3] makes the chapter"
        .. " number 4), not '" .. pandoc.utils.stringify(v) .. "'")
    end
    out[i] = n
  end
  return out
end

local function chapter_mode()
  local value = meta_value("crossref.chapters")
  if value ~= nil and type(value) ~= "boolean" then
    fail("crossref.chapters is '" .. pandoc.utils.stringify(value) .. "'; write true or false")
  end
  return value == true
end

function Pandoc(doc)
  local lang = pandoc.utils.stringify(doc.meta.lang or "en")
  zh = lang:sub(1, 2) == "zh"
  docdir = os.getenv("GOVSURVEY_DOCDIR")

  -- conditional content first, so hidden headings, figures and tables are never numbered
  meta_layers = { doc.meta }
  local files = {}
  for path in (os.getenv("GOVSURVEY_METADATA_FILES") or ""):gmatch("[^\n]+") do
    table.insert(files, 1, path)  -- given lowest priority first
  end
  for _, path in ipairs(files) do table.insert(meta_layers, read_meta_file(path)) end
  doc.blocks = doc.blocks:walk(conditions)

  -- sections are numbered from the shallowest numbered heading level in the document
  local minlevel = 99
  doc.blocks:walk({ Header = function(h)
    if not h.classes:includes("unnumbered") and h.level < minlevel then minlevel = h.level end
  end })
  chapters = chapter_mode()
  if chapters and minlevel ~= 1 then
    fail("crossref.chapters is true, but the chapter has no numbered level-1 heading; start it"
      .. " with '# <title> {#sec-chapter}' and make its sections level 2")
  end
  -- counters start at number-offset (so [3] makes the first level-1 heading 4) and go back
  -- to it when a shallower heading comes, as in Quarto
  local offsets = number_offsets()
  local counters = {}
  local nfig, ntbl = 0, 0
  local chapter = nil  -- the current chapter's number (chapter mode; floats before it: none)
  local function float_number(n)
    if not chapter then return tostring(n) end
    return chapter .. (zh and CH.zh or CH.en).numdelim .. n
  end

  doc = doc:walk({
    traverse = "topdown",
    Header = function(h)
      if h.classes:includes("unnumbered") then
        if h.identifier:match("^sec%-") then
          fail("heading #" .. h.identifier
            .. " is unnumbered ({.unnumbered} or {-}), so it cannot be cross-referenced")
        end
        return nil
      end
      local depth = h.level - minlevel + 1
      counters[depth] = (counters[depth] or offsets[depth] or 0) + 1
      for i = depth + 1, #counters do counters[i] = nil end
      local parts = {}
      for i = 1, depth do parts[i] = tostring(counters[i] or offsets[i] or 0) end
      local number = table.concat(parts, ".")
      local shown, gap = number, pandoc.Space()
      if chapters and depth == 1 then
        chapter, nfig, ntbl = number, 0, 0  -- floats count per chapter
        if h.identifier ~= "" then chapter_ids[h.identifier] = true end
        if zh then
          shown, gap = "第" .. number .. "章", pandoc.Str("\u{3000}")
        else
          shown = CH.en.chapter .. NBSP .. number
        end
      end
      if h.identifier:match("^sec%-") then register(h.identifier, number) end
      local num = pandoc.Span(pandoc.Inlines(shown), { class = "header-section-number" })
      h.content = pandoc.Inlines({ num, gap }) .. h.content
      return h
    end,
    Figure = function(f)
      if not f.identifier:match("^fig%-") then return nil end
      nfig = nfig + 1
      local n = float_number(nfig)
      register(f.identifier, n)
      f.caption = prefix_caption(f.caption, reftext("fig", n))
      return f
    end,
    Table = function(t)
      if not t.identifier:match("^tbl%-") then return nil end
      ntbl = ntbl + 1
      local n = float_number(ntbl)
      register(t.identifier, n)
      t.caption = prefix_caption(t.caption, reftext("tbl", n))
      return t
    end,
  })

  return doc:walk({
    Cite = function(c)
      -- @fig-/@tbl-/@sec- are cross-references; any other key is a citation, left to citeproc
      -- (which runs after this filter). One bracket may not mix the two.
      local xrefs, cites = 0, {}
      for _, cit in ipairs(c.citations) do
        local kind = cit.id:match("^(%a+)%-")
        if kind and kinds[kind:lower()] then xrefs = xrefs + 1 else table.insert(cites, "@" .. cit.id) end
      end
      if xrefs == 0 then return nil end
      if #cites > 0 then
        fail("[" .. table.concat(cites, "; ") .. "] shares its brackets with a cross-reference;"
          .. " write citations and cross-references in separate brackets")
      end
      local out = pandoc.Inlines({})
      for i, cit in ipairs(c.citations) do
        local id = cit.id
        local kind = id:match("^(%a+)%-")
        local lkind = kind:lower()
        local target = lkind .. id:sub(#kind + 1)
        local n = numbers[target]
        if not n and hidden_ids[target] then
          fail("cross-reference @" .. id .. " points to #" .. target .. ", which is in content"
            .. " hidden by " .. hidden_ids[target] .. "; drop the reference or put it inside"
            .. " content shown under the same condition")
        end
        if not n then fail("cross-reference @" .. id .. " points to no label #" .. target) end
        local text = cit.mode == "SuppressAuthor" and n or reftext(lkind, n, target)
        if i > 1 then out:insert(pandoc.Str((zh and L.zh or L.en).join)) end
        out:insert(pandoc.Link(pandoc.Inlines(text), "#" .. target, "", { class = "quarto-xref" }))
      end
      return out
    end,
    Image = function(img)
      local src = img.src
      if src:match("^%a[%w+.-]*:") then return nil end  -- data:, http: ...
      local f = io.open(src, "rb")
      if not f then
        fail("image file " .. src .. " was not found (paths are relative to the chapter's folder)")
      end
      f:close()
      if FORMAT == "typst" and docdir and not pandoc.path.is_absolute(src) then
        img.src = pandoc.path.normalize(docdir .. "/" .. src)
        return img
      end
      return nil
    end,
  })
end
