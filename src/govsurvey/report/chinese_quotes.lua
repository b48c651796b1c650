-- Chinese text takes “ ” for quotations. Pandoc's smart quotes decide open or close from the
-- character before the mark, and a Chinese character counts as a letter, so 是"两张皮" becomes
-- 是”两张皮” (both closing). Run on a Chinese chapter: within each run of text, the double
-- quotation marks alternate open, close, open … whatever the reader guessed.

local function requote(inlines)
  local open = false
  for i, el in ipairs(inlines) do
    if el.t == "Str" and el.text:find("[\"“”]") then
      local out = {}
      for _, code in utf8.codes(el.text) do
        local ch = utf8.char(code)
        if ch == '"' or ch == "“" or ch == "”" then
          ch = open and "”" or "“"
          open = not open
        end
        out[#out + 1] = ch
      end
      inlines[i] = pandoc.Str(table.concat(out))
    elseif el.t == "Quoted" then
      open = false -- a quotation the reader paired itself
    end
  end
  return inlines
end

return { { Inlines = requote } }
