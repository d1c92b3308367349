/**
 * About a thousand surnames common in England and Wales, most frequent first (ordered after the
 * ONS/GRO surname counts: Smith, Jones, Williams...), including Scottish Mc/Mac and Irish O'
 * names and the South Asian, Chinese and Polish names a national register holds. The generator
 * weights them by rank; double-barrelled names are made by joining two.
 */
const LIST = `
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker White Edwards Hughes Green Hall
Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen
James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy
Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali
Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey
Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West
Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees
Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland
Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop
Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor
Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson
Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin
Sullivan Whitehead Mann Frost Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter Bibi Clayton Nash
Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson Fowler Heath Norman Middleton Lawson Banks French Stanley Jarvis Gibbs
Ferguson Hayward Carroll Douglas Dickinson Todd Barlow Peters Lucas Knowles Hartley Miah Simmons Morton Alexander Field Morrison Norris Townsend Preston
Hancock Thornton Baldwin Burrows Briggs Storey Pugh Tyler Flynn Kirby Fraser Sanders Duncan Hanson Pollard Little Thorpe Rahman Pickering Daniels
Birch Brennan Lees Dale Marriott Humphreys Power Kirk Farrell Bradshaw Wade Charlton Iqbal Lord Forster Hilton Hale Steele Bryant Moran
Sheppard Hurst Dennis Whittaker Fleming Moody Skinner Hargreaves Bull Bartlett Holden Davey Conway O'Sullivan Wilkins Donnelly Swift Whitehouse Craig Sims
Mellor Connolly Chamberlain Lamb Gould Tomlinson Abbott Rhodes Benson Cartwright Horton Hopkinson Parkinson Kent Garner Rowley Brookes Manning Stanton Chadwick
Sykes Blackburn Goddard Ashton Hobbs Gough Glover Finch Allan Archer Dyer Howe Joyce Vaughan Whitaker Summers Hyde Mahmood Law Coates
Parkes Kershaw Howell Leach Barry Savage Howarth Sharma Hope Noble Welch Hicks Bowen Harrington Bentley Randall Lyons Bolton Atkins Parkin
Hodges Black Clements Cameron Brady Houghton Tait Crawford Hirst Davison Wong Nolan Schofield Cairns Burnett Bowden Emery Sinclair McLean Maxwell
Ingram Wyatt Chandler Peacock Sanderson Eaton Greaves Kaye Mistry Tyrrell Weston Gardiner Nixon Pratt Baines Coles Cope Dodd Wilde Pope
Horne Whitfield Tanner Burrell Watt Dalton Foley Chan Li Zhang Wang Nguyen Kumar Ahmad Malik Chaudhry Qureshi Aziz Islam Uddin
Hossain Choudhury Nowak Kowalski Wisniewski Macdonald Mackenzie MacLeod McKay MacKinnon MacLean McGregor MacFarlane McIntyre McMillan McNeil McPherson McCallum McLaughlin McGowan
McKenna McGrath McGuire McCann McBride McAllister McCormack McDermott McHugh McKeown McManus McNally McNamara MacAulay O'Donnell O'Reilly O'Hara O'Leary O'Callaghan O'Doherty
O'Rourke O'Shea O'Toole O'Keefe O'Mahony O'Dwyer O'Grady O'Kane Kavanagh Fitzgerald Fitzpatrick Keane Kelleher Doherty Dolan Duffy Flanagan Hogan Kearney Maguire
Molloy Mulligan Quigley Regan Sweeney Kinsella Hennessy Costello Boyle Llewellyn Prosser Meredith Gwynne Howells Probert Bevan Griffith Gwilliam Ackroyd Aldridge
Appleby Armitage Ashworth Atherton Bagshaw Bainbridge Barraclough Batty Beckett Beresford Binns Blackwell Blundell Boardman Bottomley Bower Boyd Bramley Bray Brierley
Broadbent Bromley Buckingham Bullock Butterworth Calvert Capper Carey Catterall Chester Child Clegg Clifford Cockburn Coe Colley Collier Connor Cotton Coulson
Cowell Crabtree Crossley Crowther Cullen Dalby Darby Dawes Denton Dobson Dodds Driver Duffield Dunne Durrant Dutton Earnshaw Eastwood Eccles Entwistle
Fairclough Farmer Farrow Fell Fenton Firth Fitton Foulkes Gale Garside Gee Gibbons Gledhill Godfrey Goodall Goulding Greenhalgh Gregson Haigh Halliwell
Harwood Haworth Haynes Healey Heaton Hebden Hemingway Hepworth Heywood Higginbottom Hindle Hinchliffe Holroyd Horsfall Hollis Holloway Horrocks Howlett Hulme Hume
Ibbotson Illingworth Ireland Jagger Jepson Keeling Kendall Kenyon Kilner Kitching Lancaster Latham Laycock Leadbetter Lister Lockwood Lomax Lumb Lund Makin
Marsden Masters Meadows Metcalfe Milner Moorhouse Mottram Naylor Needham Oldfield Ormerod Pilling Platt Pickles Priestley Ramsden Ratcliffe Redfern Rigby Roscoe
Royle Rushton Sagar Scholes Senior Shackleton Sharples Shuttleworth Slack Smethurst Speight Stansfield Stott Sugden Sutcliffe Tattersall Thackeray Thwaites Tindall Tunnicliffe
Turton Uttley Varley Waddington Wainwright Walmsley Warburton Whiteley Wilcock Winterbottom Wolstenholme Woodhead Worrall Wrigley Ansell Avery Ayres Bacon Barnard Batchelor
Beale Bellamy Blackmore Bourne Bowman Brewer Bridger Brooker Buck Bunce Burden Butcher Button Cannon Carpenter Castle Chalmers Champion Cheeseman Churchill
Cobb Collingwood Coombes Cornish Cottrell Coward Cummings Darling Denham Doe Drake Drury Dudley Duke Dunford Dyson Everett Fairbairn Farley Faulkner
Fenn Fielding Flint Fordham Franklin Fry Fuller Gates Gibb Goldsmith Gosling Grainger Greer Groves Gunn Hadley Harman Hatton Hawes Hayden
Haywood Hearn Hedges Hemmings Herbert Hibbert Hoare Holder Holman Hooper Hough House Hull Humphries Hussey Inman Ives Jacobs Jeffery Jeffries
Judd Kerr Kimber Kingston Knott Lacey Langley Lea Leigh Lester Lilley Lock Lovell Lyon Mallett Marks Marlow Maynard Mead Merritt
Millward Moon Morley Mortimer Munro Neal Neville Newell Nichols Norton Nunn Oakley Ogden Overton Paine Parrott Partridge Peake Penn Perkins
Philpott Pike Plummer Prince Pullen Rackham Rayner Reeves Rich Rider Ridley Robins Rolfe Rowland Rudd Rush Sadler Salmon Sampson Sargent
Seymour Sharpe Sherwood Short Skelton Smart Snow Sparks Spicer Squires Stacey Street Strong Sturgess Swain Tate Terry Thorne Tilley Trott
Turnbull Underwood Upton Vincent Wakefield Waller Ware Warner Waters Weaver Weeks Whitmore Wicks Wiggins Wild Wilkes Winter Wiseman Wise Woodcock
Woolley Wren York Adamson Ainsworth Allsop Ambrose Appleton Arthur Ashby Ashley Astley Attwood Bagnall Bamford Bannister Barclay Barr Bateman Beattie
Beaumont Beck Bingham Birchall Blackwood Blair Bland Blythe Bonner Booker Bowes Boyce Bradbury Bradford Brett Bridges Brindley Britton Broad Brook
Brough Browning Bryan Buchanan Bunting Burnham Burt Bush Butt Caldwell Callaghan Carney Carson Carver Cassidy Chappell Cheetham Christie Clancy Clough
Collinson Compton Corbett Coyle Crane Crook Crowe Cunliffe Curran Daly Davenport Deacon Delaney Devlin Dickson Dillon Dobbs Donaldson Doran Dowling
Downes Duggan Dunbar Edmonds Edge Fairhurst Farr Fawcett Fernandes Ferris Finlay Forbes Forrest Fulton Gamble Garrett Gaskell Gilmour Goodman Gormley
Graves Guy Hadfield Halstead Hampton Handley Hardman Hare Harker Harrop Haslam Hastings Hawley Henry Hepburn Hickey Hinton Hitchcock Hodge Hodgkinson
Hogg Holdsworth Hollingsworth Hood Horner Hoyle Hubbard Huggins Hurley Hutchings Hutton Irvine Irving Jacques Johns Kane Kenny Kidd Kitchen Knox
Langford Larkin Lawton Leonard Leslie Lindsay Livingstone Logan Love Mackintosh Major McKenzie Mercer Millar Molyneux Monk Montgomery Mullen Murdoch Nightingale
North Nuttall O'Connell Oakes Oates Orr Owens Parr Paterson Patterson Peel Pemberton Phelps Pierce Proctor Rafferty Ramsay Rankin Reilly Rice
Ritchie Roach Rooney Roper Searle Sexton Shields Small Somerville Spence Stafford Stark Starkey Stirling Stubbs Sumner Swann Talbot Tierney Timms
Travis Trueman Unwin Vickers Wall Wardle Webber Wharton Whelan Whiting Whittle Whyte Wilcox Willoughby Wilmot Winstanley Worthington Wylie Yardley Mackay
Abbas Anwar Ashraf Bashir Butt Dhillon Gupta Hassan Javed Joshi Lal Mehta Mirza Nawaz Parmar Rana Raza Sandhu Saeed Sethi
Shaikh Sidhu Solanki Suleman Tariq Yusuf Zaman Ng Chen Liu Huang Lin Tran Pham Kowalczyk Lewandowski Wojcik Kaminski Zielinski
Adeyemi Okafor Mensah Owusu Boateng Osei Asante Okonkwo Silva Santos Ferreira Costa Rossi Romano Russo Greco Fontana Moretti Kaya Demir
Acton Allcock Alston Amos Anstey Arkwright Ashdown Aspinall Astbury Aston Ayling Badger Bagley Bainton Balfour Ballard Bamber Banner Barford Barham
Barnsley Barrow Basford Bassett Bayliss Beardsley Beasley Beddoes Beech Belcher Bellingham Benfield Bennet Berwick Best Bickerton Biggs Billington Bilton Birkett
Bishton Blackledge Blakemore Blanchard Bletcher Bloxham Bolt Boswell Bould Boulton Bowers Bowler Bowyer Brackley Bradfield Braithwaite Bramwell Brassington Brazier Brereton
Brightman Brimble Brinkworth Broadhurst Brotherton Buckland Budd Bulmer Burford Burge Burkitt Burley Burridge Bushell Buxton Cadwallader Cahill Calder Callow Cant
`;

/** Surnames, most frequent first, without duplicates. */
export const SURNAMES: readonly string[] = [...new Set(LIST.split(/\s+/).filter((s) => s.length > 0))];

const TAIL_FIRST = [
  'Ash', 'Black', 'Brad', 'Brook', 'Burn', 'Cald', 'Clay', 'Cole', 'Crab', 'Cross', 'Dal', 'Dun', 'East', 'Elm', 'Fair', 'Farn', 'Fen', 'Foss',
  'Gold', 'Green', 'Grim', 'Hal', 'Ham', 'Hart', 'Hath', 'Haw', 'Hay', 'Heath', 'Hol', 'Hors', 'Hun', 'Ing', 'Kirk', 'Lang', 'Lin', 'Lock',
  'Mar', 'Mel', 'Mid', 'Mill', 'Moor', 'Nor', 'Oak', 'Old', 'Os', 'Pen', 'Rad', 'Ram', 'Red', 'Rod', 'Row', 'Rush', 'Sal', 'Sand', 'Shel',
  'Shep', 'Staf', 'Stan', 'Star', 'Stock', 'Stone', 'Sun', 'Sut', 'Thorn', 'Til', 'Tod', 'Wal', 'War', 'Wat', 'Wes', 'Whit', 'Wick', 'Wil',
  'Win', 'Wood', 'Wool', 'Wy', 'Yar', 'Bar', 'Brom',
];
const TAIL_SECOND = [
  'ley', 'ton', 'by', 'ford', 'field', 'worth', 'well', 'wood', 'ham', 'stead', 'more', 'thorpe', 'dale', 'bury', 'combe', 'den', 'hurst',
  'ridge', 'wick', 'cott', 'land', 'man', 'er', 'stone', 'brook', 'croft', 'gate', 'hill', 'holme', 'shaw', 'low', 'mere', 'wright', 'ward',
  'house', 'bridge', 'cliffe', 'sey', 'ing', 'ington',
];

/**
 * The long tail: 3,200 compounds of common English place-name elements (Ashworth, Thornley,
 * Millbridge), each rare. Real registers hold hundreds of thousands of surnames, most of them rare.
 */
export const TAIL_SURNAMES: readonly string[] = [...new Set(TAIL_FIRST.flatMap((a) => TAIL_SECOND.map((b) => a + b)))];
