-- GB/T 7714 gives a Western entry its own terms: "et al." after three authors and "4th ed.";
-- pandoc's citeproc has one locale per document, so in a Chinese reference list it writes the
-- Chinese terms (等, 4 版) for Western entries too. Run after citeproc: an entry whose text has
-- no Chinese character besides those terms gets the Western terms back.

local function has_cjk(text)
  for _, code in utf8.codes(text) do
    if (code >= 0x3400 and code <= 0x9FFF) or (code >= 0xF900 and code <= 0xFAFF) then
      return true
    end
  end
  return false
end

local function ordinal(n)
  local tens, last = n % 100, n % 10
  if tens >= 11 and tens <= 13 then return n .. "th" end
  return n .. (({ "st", "nd", "rd" })[last] or "th")
end

local western = {
  Inlines = function(inlines)
    local out = pandoc.Inlines({})
    local i = 1
    while i <= #inlines do
      local el = inlines[i]
      local after = inlines[i + 2]
      if el.t == "Str" and el.text:match("^%d+$") and inlines[i + 1] and inlines[i + 1].t == "Space"
          and after and after.t == "Str" and after.text:match("^版") then
        out:insert(pandoc.Str(ordinal(tonumber(el.text)) .. " ed" .. after.text:gsub("^版", "")))
        i = i + 3
      else
        if el.t == "Str" and el.text:match("^等") then
          el = pandoc.Str("et al" .. el.text:gsub("^等", ""))
        end
        out:insert(el)
        i = i + 1
      end
    end
    return out
  end,
}

function Div(div)
  if not div.identifier:match("^ref%-") then
    return nil
  end
  local rest = pandoc.utils.stringify(div):gsub("等", ""):gsub("版", "")
  if has_cjk(rest) then
    return nil
  end
  return div:walk(western)
end
